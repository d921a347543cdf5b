"""benchmark: en_mountner against the seed's way of predicting (a Hugging Face token-classification
pipeline over the same encoder), on the same real sentences, in one run; plus generation against a
local server with latency. Writes JSON and the README's performance table."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import typer

from results_table import replace_block

app = typer.Typer(add_completion=False)

START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
HERE = Path(__file__).resolve().parent


def load_texts(source: Path, limit: int) -> List[str]:
    """Sentences to tag: an IOB file of real text (words joined), else the test DocBin's texts."""
    sys.path.insert(0, str(HERE))
    if source.suffix == ".spacy":
        import spacy
        from spacy.tokens import DocBin

        texts = [doc.text for doc in DocBin().from_disk(source).get_docs(spacy.blank("en").vocab)]
    else:
        from corpus_io import read_sentences

        texts = [s.text for s in read_sentences(source)]
    return (texts * (limit // max(1, len(texts)) + 1))[:limit]


# Each measurement runs in a fresh process, so peak memory (ru_maxrss) belongs to it alone.
_MEASURE = r'''
import json, resource, sys, time
sys.path.insert(0, {here!r})
texts = json.load(open({texts!r}))
kind, model, batch_size = {kind!r}, {model!r}, {batch_size!r}
import torch
torch.set_num_threads({threads!r})
if kind == "spacy":
    import spacy
    from mountner_pipeline import pipe_by_length
    nlp = spacy.load(model)
    run = lambda: sum(len(doc) for doc in pipe_by_length(nlp, texts, batch_size=batch_size))
else:
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline
    tokenizer = AutoTokenizer.from_pretrained(model)
    # The seed's head: a token classifier over the same encoder (its weights don't change the cost).
    classifier = AutoModelForTokenClassification.from_pretrained(model, num_labels=3)
    tagger = pipeline("token-classification", model=classifier, tokenizer=tokenizer, aggregation_strategy="simple", device=-1)
    if kind == "hf-per-text":
        run = lambda: [tagger(t) for t in texts]
    else:
        run = lambda: tagger(texts, batch_size=batch_size)
run_warm = texts[:32]
saved = texts
texts = run_warm; run(); texts = saved
start = time.perf_counter(); run(); seconds = time.perf_counter() - start
words = sum(len(t.split()) for t in texts)
print(json.dumps({{"seconds": seconds, "words": words, "words_per_second": words / seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
'''


def measure(kind: str, model: str, texts_file: Path, batch_size: int, threads: int) -> dict:
    code = _MEASURE.format(here=str(HERE), texts=str(texts_file), kind=kind, model=model, batch_size=batch_size, threads=threads)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{kind} measurement failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def generation_benchmark(n_sentences: int, concurrency: int) -> Optional[dict]:
    """The LLM backend against the tests' local server with 200 ms latency (scripts/bench_generation.py)."""
    out = Path("metrics/bench_generation.json")
    result = subprocess.run(
        [sys.executable, str(HERE / "bench_generation.py"), "--n-sentences", str(n_sentences), "--concurrency", str(concurrency), "--output", str(out)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        typer.secho(f"generation benchmark failed:\n{result.stderr[-1500:]}", fg="red", err=True)
        return None
    return json.loads(out.read_text())


def table(results: dict) -> str:
    rows = ["| what | setting | words/s | peak memory (MB) | relative |", "|---|---|---:|---:|---:|"]
    base = results["inference"]["hf-batched"]["words_per_second"]
    for kind, r in results["inference"].items():
        rows.append(f"| inference: {kind} | batch {r['batch_size']}, {results['threads']} threads | {r['words_per_second']:.0f} | {r['peak_rss_mb']:.0f} | {r['words_per_second'] / base:.2f}x |")
    gen = results.get("generation")
    lines = "\n".join(rows)
    if gen:
        lines += (
            f"\n\nGeneration: {gen['requests']} requests at concurrency {gen['concurrency']} against a local server with "
            f"{gen['latency_s'] * 1000:.0f} ms latency: {gen['wall_s']:.2f} s wall against {gen['ideal_s']:.2f} s ideal "
            f"(requests x latency / concurrency): efficiency {gen['efficiency']:.2f}."
        )
    lines += f"\n\nMachine: {results['machine']}; {results['n_texts']} real sentences ({results['source']})."
    return lines


@app.command()
def main(
    model: Path = typer.Option(Path("training/config/model-best"), help="Trained pipeline folder"),
    encoder: Path = typer.Option(Path("training/encoder"), help="The same encoder, for the Hugging Face pipeline"),
    source: Path = typer.Option(Path("../shared/data/fewnerd-mountain-dev.iob"), help="Real sentences (IOB); else corpus/test.spacy"),
    n_texts: int = typer.Option(1000),
    batch_size: int = typer.Option(64),
    threads: int = typer.Option(os.cpu_count() or 1),
    generation_sentences: int = typer.Option(4000),
    concurrency: int = typer.Option(32),
    output: Path = typer.Option(Path("metrics/benchmark.json")),
    readme: Optional[Path] = typer.Option(Path("README.md")),
):
    """Measure inference side by side (and generation), write JSON and the README table."""
    if not source.exists():
        typer.echo(f"{source} not found; using corpus/test.spacy")
        source = Path("corpus/test.spacy")
    texts = load_texts(source, n_texts)
    output.parent.mkdir(parents=True, exist_ok=True)
    texts_file = output.with_suffix(".texts.json")
    texts_file.write_text(json.dumps(texts))
    inference = {}
    for kind, model_path, size in (("en_mountner pipe_by_length", str(model), batch_size), ("hf-batched", str(encoder), batch_size), ("hf-per-text", str(encoder), 1)):
        typer.echo(f"measuring {kind} ...")
        r = measure("spacy" if kind.startswith("en_") else kind, model_path, texts_file, size, threads)
        inference[kind] = {**r, "batch_size": size}
        typer.echo(f"  {r['words_per_second']:.0f} words/s, peak {r['peak_rss_mb']:.0f} MB")
    texts_file.unlink()
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, CPU",
        "threads": threads,
        "source": source.name,
        "n_texts": len(texts),
        "inference": inference,
        "speedup_vs_hf_batched": inference["en_mountner pipe_by_length"]["words_per_second"] / inference["hf-batched"]["words_per_second"],
        "generation": generation_benchmark(generation_sentences, concurrency) if generation_sentences else None,
    }
    output.write_text(json.dumps(results, indent=2))
    typer.echo(table(results))
    if readme is not None and readme.exists():
        replace_block(readme, START, END, f"{table(results)}\n\nWritten by `python -m spacy project run benchmark` ({output}).")


if __name__ == "__main__":
    app()
