"""benchmark-gpu: training and inference words per second of the MountNER config on a GPU, with a
bert-base-cased-shaped encoder (random weights from a BertConfig where the hub cannot be reached:
the shape, not the weights, sets the cost). One short run; the card is named in the output."""
from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import typer

from mountner.evaluation.tables import replace_block
from mountner.pipeline.batching import pipe_by_length
from mountner.testing.tiny_bert import build_bert_base_shaped, build_tiny_bert


START, END = "<!-- benchmark-gpu:start -->", "<!-- benchmark-gpu:end -->"


def synchronize() -> None:
    """Wait for queued GPU work, so a timer reads finished work only."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def device_name(gpu_id: int) -> str:
    import torch

    if gpu_id >= 0:
        return f"{torch.cuda.get_device_name(gpu_id)} (torch {torch.__version__}, CUDA {torch.version.cuda})"
    return f"CPU, {platform.machine()} (torch {torch.__version__})"


def endless_batches(nlp, corpus, batcher) -> Iterator[list]:
    while True:
        yield from batcher(corpus(nlp))


def words_in(texts: List[str]) -> int:
    """Whitespace words, as in the CPU benchmark."""
    return sum(len(text.split()) for text in texts)


def train_step(nlp, batch, optimizer, dropout: float, losses: Dict[str, float]) -> None:
    """One step as `spacy train` takes it: every backward pass, then every finish_update. (nlp.update with sgd
    updates the transformer before its listener's gradient arrives, so each gradient would land a step late.)"""
    nlp.update(batch, drop=dropout, losses=losses, sgd=False)
    for _, component in nlp.pipeline:
        if getattr(component, "is_trainable", False) and component.model not in (True, False, None):
            component.finish_update(optimizer)


def measure(config_path: Path, overrides: Dict[str, object], gpu_id: int, texts: List[str], steps: int, warmup: int, batch_sizes: List[int]) -> dict:
    """Initialise the pipeline as spacy train does, time `steps` updates after `warmup` untimed
    ones, then time nlp.pipe over the texts at each batch size."""
    import spacy
    import torch
    from spacy.schemas import ConfigSchemaTraining
    from spacy.training.initialize import init_nlp
    from spacy.util import registry, resolve_dot_names

    config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    nlp = init_nlp(config, use_gpu=gpu_id)
    resolved = nlp.config.interpolate()
    training = registry.resolve(resolved["training"], schema=ConfigSchemaTraining)
    (train_corpus,) = resolve_dot_names(resolved, [training["train_corpus"]])
    optimizer, batcher = training["optimizer"], training["batcher"]
    if gpu_id >= 0:
        torch.cuda.reset_peak_memory_stats()
    batches = endless_batches(nlp, train_corpus, batcher)
    losses: Dict[str, float] = {}
    words = 0
    start = 0.0
    for step in range(warmup + steps):
        if step == warmup:
            synchronize()
            start = time.perf_counter()
        batch = next(batches)
        train_step(nlp, batch, optimizer, training["dropout"], losses)
        optimizer.step_schedules()
        if step >= warmup:
            words += words_in([eg.reference.text for eg in batch])
    synchronize()
    train_seconds = time.perf_counter() - start
    result = {
        "train": {"steps": steps, "words": words, "seconds": train_seconds, "words_per_second": words / train_seconds},
        "inference": {},
    }
    if gpu_id >= 0:
        result["train"]["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
    for batch_size in batch_sizes:
        list(pipe_by_length(nlp, texts[:64], batch_size=batch_size))  # warm-up
        synchronize()
        start = time.perf_counter()
        n_docs = sum(1 for _ in pipe_by_length(nlp, texts, batch_size=batch_size))
        synchronize()
        seconds = time.perf_counter() - start
        result["inference"][str(batch_size)] = {"texts": n_docs, "words": words_in(texts), "seconds": seconds, "words_per_second": words_in(texts) / seconds}
    return result


def table(results: dict) -> str:
    rows = ["| precision | training words/s | inference words/s | peak GPU memory in training (MB) |", "|---|---:|---|---:|"]
    for precision, r in results["runs"].items():
        inference = ", ".join(f"{v['words_per_second']:.0f} (batch {size})" for size, v in r["inference"].items())
        memory = r["train"].get("peak_gpu_memory_mb")
        rows.append(f"| {precision} | {r['train']['words_per_second']:.0f} | {inference} | {'-' if memory is None else f'{memory:.0f}'} |")
    return (
        "\n".join(rows)
        + f"\n\nDevice: {results['device']}. Encoder: {results['encoder']}. Training: {results['steps']} timed "
        f"updates after {results['warmup']} untimed, batches as configured; inference: {results['n_texts']} "
        f"sentences of {results['texts_source']}."
    )


def main(
    config: Path = typer.Option(Path("configs/config.cfg"), help="Training config"),
    train: Path = typer.Option(Path("corpus/train.spacy"), help="Training DocBin"),
    dev: Path = typer.Option(Path("corpus/dev.spacy"), help="Dev DocBin (the config names one)"),
    texts_source: Path = typer.Option(Path("corpus/test.spacy"), help="DocBin whose texts are tagged in the inference measurement"),
    known_names: Path = typer.Option(Path("corpus/known_names.txt"), help="Known names for mountner_gazetteer"),
    encoder_dir: Path = typer.Option(Path("training/encoder-bert-base-shaped"), help="Where the random encoder is built"),
    size: str = typer.Option("bert-base", help="bert-base (12 x 768) or tiny (2 x 64, for a quick check)"),
    gpu_id: int = typer.Option(0, help="GPU to use; -1 runs on the CPU (a check of the script, not a benchmark)"),
    steps: int = typer.Option(100, help="Timed training updates"),
    warmup: int = typer.Option(10, help="Untimed updates first (CUDA kernels and allocator warm-up)"),
    n_texts: int = typer.Option(2000, help="Sentences tagged in the inference measurement"),
    batch_sizes: str = typer.Option("64,256", help="Comma-separated nlp.pipe batch sizes"),
    mixed_precision: bool = typer.Option(True, help="Also measure with mixed precision (GPU only)"),
    output: Path = typer.Option(Path("metrics/benchmark_gpu.json")),
    docs_page: Optional[Path] = typer.Option(Path("docs/scaling.md"), "--docs", help="Page whose GPU table (between the benchmark-gpu markers) is replaced"),
):
    """Train and tag with the bert-base-cased-shaped config on a GPU; write JSON and the docs page's table."""
    import spacy
    from spacy.tokens import DocBin

    for path, what in ((config, "config"), (train, "training DocBin"), (dev, "dev DocBin"), (texts_source, "texts DocBin"), (known_names, "known names")):
        if not path.exists():
            typer.secho(f"{what} not found: {path} (run `spacy project run convert` first)", fg="red", err=True)
            raise typer.Exit(1)
    if size not in ("bert-base", "tiny"):
        raise typer.BadParameter(f"--size takes bert-base or tiny, not {size!r}")
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    vocab = spacy.blank("en").vocab
    texts = [doc.text for doc in DocBin().from_disk(texts_source).get_docs(vocab)][:n_texts]
    train_texts = [doc.text for doc in DocBin().from_disk(train).get_docs(vocab)]
    typer.echo(f"Building a random {size} BERT in {encoder_dir} (WordPiece learnt from {len(train_texts)} training sentences) ...")
    build = build_bert_base_shaped if size == "bert-base" else build_tiny_bert
    build(train_texts, encoder_dir)
    overrides = {"paths.train": str(train), "paths.dev": str(dev), "paths.encoder": str(encoder_dir), "paths.known_names": str(known_names)}
    precisions = {"fp32": False, "mixed (fp16 autocast)": True} if gpu_id >= 0 and mixed_precision else {"fp32": False}
    runs = {}
    for label, mixed in precisions.items():
        typer.echo(f"Measuring {label}: {warmup} + {steps} updates, then tagging {len(texts)} sentences ...")
        runs[label] = measure(
            config, {**overrides, "components.transformer.model.mixed_precision": mixed}, gpu_id, texts, steps, warmup,
            [int(b) for b in batch_sizes.split(",")],
        )
        typer.echo(json.dumps(runs[label], indent=2))
    results = {
        "device": device_name(gpu_id),
        "encoder": ("random BERT of bert-base-cased's shape (the real weights cost the same)" if size == "bert-base"
                    else "random tiny BERT (2 x 64): a check of the script"),
        "steps": steps,
        "warmup": warmup,
        "n_texts": len(texts),
        "texts_source": texts_source.name,
        "runs": runs,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    typer.echo(table(results))
    if docs_page is not None and docs_page.exists() and gpu_id >= 0 and size == "bert-base":  # the page shows GPU figures only
        replace_block(docs_page, START, END, f"{table(results)}\n\nWritten by `python -m spacy project run benchmark-gpu` on that device ({output}).")

