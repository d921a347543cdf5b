"""benchmark: en_mountner against the seed's way of predicting (a Hugging Face token-classification
pipeline over the same encoder), on the same real sentences, in one run; `mountner tag` with one and two
processes and on a local Ray, and how its time and memory grow from 1x to 10x the corpus; plus generation
against a local server with latency. Writes JSON and the README's performance table."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

import typer

from mountner.data.corpus_io import read_sentences
from mountner.evaluation.tables import replace_blocks


# The full table goes into docs/scaling.md, the speed ratio alone into the README.
START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
SUMMARY_START, SUMMARY_END = "<!-- benchmark-summary:start -->", "<!-- benchmark-summary:end -->"


def machine() -> str:
    """The machine a benchmark ran on, in a few words."""
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, CPU"


def load_texts(source: Path, limit: int) -> List[str]:
    """Sentences to tag: an IOB file of real text (words joined), else the test DocBin's texts."""
    if source.suffix == ".spacy":
        import spacy
        from spacy.tokens import DocBin

        texts = [doc.text for doc in DocBin().from_disk(source).get_docs(spacy.blank("en").vocab)]
    else:
        texts = [s.text for s in read_sentences(source)]
    return (texts * (limit // max(1, len(texts)) + 1))[:limit]


# Each measurement runs in a fresh process, so peak memory (ru_maxrss) belongs to it alone.
_MEASURE = r'''
import json, resource, sys, time
texts = json.load(open({texts!r}))
kind, model, batch_size = {kind!r}, {model!r}, {batch_size!r}
import torch
torch.set_num_threads({threads!r})
if kind.startswith("spacy"):
    import spacy
    # Plain nlp.pipe: the pipeline's own transformer batches docs of similar length (mountner_transformer).
    overrides = {{"components": {{"transformer": {{"quantize": True}}}}}} if kind == "spacy-int8" else {{}}
    nlp = spacy.load(model, config=overrides)
    run = lambda: sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
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
    code = _MEASURE.format(texts=str(texts_file), kind=kind, model=model, batch_size=batch_size, threads=threads)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{kind} measurement failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total_kb, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total_kb += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def measure_tag(model: str, texts: List[str], n_process: int, engine: str, batch_size: int) -> dict:
    """`mountner tag` end to end (start-up included), with the peak memory of all its processes."""
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "texts.txt", Path(folder) / "tagged.jsonl"
        source.write_text("\n".join(texts) + "\n", encoding="utf8")
        command = [sys.executable, "-m", "mountner", "tag", str(source), "--output", str(output), "--model", model,
                   "--n-process", str(n_process), "--engine", engine, "--batch-size", str(batch_size)]
        start, peak = time.perf_counter(), 0.0
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while process.poll() is None:
            peak = max(peak, _tree_rss_mb(process.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        stderr = process.stderr.read()
        if process.returncode != 0:
            raise RuntimeError(f"tag.py {engine} x{n_process} failed:\n{stderr[-2000:]}")
        lines = sum(1 for _ in output.open(encoding="utf8"))
        if lines != len(texts):
            raise RuntimeError(f"tag.py wrote {lines} lines for {len(texts)} texts")
    words = sum(len(t.split()) for t in texts)
    return {"seconds": seconds, "words": words, "words_per_second": words / seconds, "peak_rss_mb": peak, "batch_size": batch_size}


def generation_benchmark(n_sentences: int, concurrency: int) -> Optional[dict]:
    """The LLM backend against the tests' local server with 200 ms latency (`mountner bench-generation`)."""
    out = Path("metrics/bench_generation.json")
    result = subprocess.run(
        [sys.executable, "-m", "mountner", "bench-generation", "--n-sentences", str(n_sentences), "--concurrency", str(concurrency), "--output", str(out)],
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
        rows.append(f"| inference: {kind} | batch {r['batch_size']}, {results['threads']} threads | {r['words_per_second']:.0f} | {r['peak_rss_mb']:.0f} | "
                    f"{r['words_per_second'] / base:.2f}x |")
    for kind, r in results.get("tag", {}).items():
        rows.append(f"| {kind} | batch {r['batch_size']}, end to end with start-up | {r['words_per_second']:.0f} | {r['peak_rss_mb']:.0f} | "
                    f"{r['words_per_second'] / base:.2f}x |")
    gen = results.get("generation")
    lines = "\n".join(rows)
    growth = results.get("growth")
    if growth:
        small, large = growth["1x"], growth["10x"]
        lines += (
            f"\n\nGrowth (tag.py, 1 process): {small['n_texts']} texts took {small['seconds']:.1f} s at peak {small['peak_rss_mb']:.0f} MB; "
            f"{large['n_texts']} texts (10x) took {large['seconds']:.1f} s ({large['seconds'] / small['seconds']:.1f}x) "
            f"at peak {large['peak_rss_mb']:.0f} MB ({large['peak_rss_mb'] / small['peak_rss_mb']:.2f}x)."
        )
    if gen:
        lines += (
            f"\n\nGeneration: {gen['requests']} requests at concurrency {gen['concurrency']} against a local server with "
            f"{gen['latency_s'] * 1000:.0f} ms latency: {gen['wall_s']:.2f} s wall against {gen['ideal_s']:.2f} s ideal "
            f"(requests x latency / concurrency): efficiency {gen['efficiency']:.2f}."
        )
    lines += f"\n\nMachine: {results['machine']}; {results['n_texts']} real sentences ({results['source']})."
    return lines


def summary(results: dict, link: Optional[str]) -> str:
    """The speed ratio in a sentence: en_mountner's nlp.pipe against the batched Hugging Face pipeline."""
    ours, theirs = results["inference"]["en_mountner nlp.pipe"], results["inference"]["hf-batched"]
    line = (
        f"`en_mountner` (plain `nlp.pipe`, batch {ours['batch_size']}, {results['threads']} threads) tags {ours['words_per_second']:.0f} words/s: "
        f"**{results['speedup_vs_hf_batched']:.2f}x** the batched Hugging Face token-classification pipeline over the same encoder "
        f"({theirs['words_per_second']:.0f} words/s). Machine: {results['machine']}; {results['n_texts']} real sentences ({results['source']})."
    )
    return line + (f" Every row (int8, `mountner tag` with processes and Ray, growth, generation): [{link}]({link})." if link else "")


def main(
    model: Path = typer.Option(Path("training/config/model-best"), help="Trained pipeline folder"),
    encoder: Path = typer.Option(Path("training/encoder"), help="The same encoder, for the Hugging Face pipeline"),
    source: Path = typer.Option(Path("../shared/data/fewnerd-mountain-dev.iob"), help="Real sentences (IOB); else corpus/test.spacy"),
    n_texts: int = typer.Option(1000),
    batch_size: int = typer.Option(64),
    threads: int = typer.Option(os.cpu_count() or 1),
    generation_sentences: int = typer.Option(4000),
    concurrency: int = typer.Option(32),
    tag: bool = typer.Option(True, help="Also time `mountner tag` (1 and 2 processes, Ray with 2 actors where installed)"),
    growth_texts: int = typer.Option(300, help="tag.py on this many texts and on 10x as many: how time and memory grow"),
    output: Path = typer.Option(Path("metrics/benchmark.json")),
    readme: Optional[Path] = typer.Option(Path("README.md"), help="Page for the speed ratio (between the benchmark-summary markers); skipped where absent"),
    docs_page: Optional[Path] = typer.Option(Path("docs/scaling.md"), "--docs",
                                             help="Page for the full table (between the benchmark markers); skipped where absent"),
):
    """Measure inference side by side (and generation), write JSON, the docs page's table and the README's speed ratio."""
    if not source.exists():
        typer.echo(f"{source} not found; using corpus/test.spacy")
        source = Path("corpus/test.spacy")
    texts = load_texts(source, n_texts)
    output.parent.mkdir(parents=True, exist_ok=True)
    texts_file = output.with_suffix(".texts.json")
    texts_file.write_text(json.dumps(texts))
    inference = {}
    runs = (
        ("en_mountner nlp.pipe", "spacy", str(model), batch_size),
        ("en_mountner nlp.pipe, quantize=true (int8)", "spacy-int8", str(model), batch_size),
        ("hf-batched", "hf-batched", str(encoder), batch_size),
        ("hf-per-text", "hf-per-text", str(encoder), 1),
    )
    for name, kind, model_path, size in runs:
        typer.echo(f"measuring {name} ...")
        r = measure(kind, model_path, texts_file, size, threads)
        inference[name] = {**r, "batch_size": size}
        typer.echo(f"  {r['words_per_second']:.0f} words/s, peak {r['peak_rss_mb']:.0f} MB")
    texts_file.unlink()
    tagged, growth = {}, None
    if tag:
        settings = [("tag.py, 1 process", 1, "local"), ("tag.py, 2 processes", 2, "local")]
        try:
            import ray.data  # noqa: F401

            settings.append(("tag.py --engine ray, local Ray, 2 actors", 2, "ray"))
        except ImportError:
            typer.echo("Ray not installed (pip install -r requirements-ray.txt): no Ray row")
        for name, n_process, engine in settings:
            typer.echo(f"measuring {name} ...")
            tagged[name] = measure_tag(str(model), texts, n_process, engine, batch_size)
            typer.echo(f"  {tagged[name]['words_per_second']:.0f} words/s, peak {tagged[name]['peak_rss_mb']:.0f} MB")
        growth = {}
        for scale in (1, 10):
            subset = (texts * (growth_texts * scale // max(1, len(texts)) + 1))[: growth_texts * scale]
            typer.echo(f"measuring tag.py growth {scale}x ({len(subset)} texts) ...")
            growth[f"{scale}x"] = {**measure_tag(str(model), subset, 1, "local", batch_size), "n_texts": len(subset)}
    results = {
        "machine": machine(),
        "threads": threads,
        "source": source.name,
        "n_texts": len(texts),
        "inference": inference,
        "tag": tagged,
        "growth": growth,
        "speedup_vs_hf_batched": inference["en_mountner nlp.pipe"]["words_per_second"] / inference["hf-batched"]["words_per_second"],
        "generation": generation_benchmark(generation_sentences, concurrency) if generation_sentences else None,
    }
    output.write_text(json.dumps(results, indent=2))
    typer.echo(table(results))
    written_by = f"Written by `python -m spacy project run benchmark` ({output})."
    docs_page = docs_page if docs_page is not None and docs_page.exists() else None
    blocks = []
    if docs_page is not None:
        blocks.append((docs_page, START, END, f"{table(results)}\n\n{written_by}"))
    if readme is not None and readme.exists():
        link = os.path.relpath(docs_page, readme.parent) if docs_page is not None else None
        blocks.append((readme, SUMMARY_START, SUMMARY_END, f"{summary(results, link)}\n\n{written_by}"))
    replace_blocks(blocks)

