"""tag: stream a corpus of any size through en_mountner into JSONL, one line per input document, in
input order, resuming where a killed run stopped.

INPUT is a text file (one document a line), a JSONL file (.jsonl/.ndjson: objects with "text" and an
optional "id") or a folder of .txt files (one document a file, in sorted path order). Each output line
is {"id": ..., "entities": [{"start", "end", "text", "label", "confidence", "source"}]} with character
offsets into the whole document (long documents are tagged in pieces, cut as `mountner predict` cuts
them). A bad input line (not UTF-8, not JSON, no "text" string) becomes {"id": ..., "error": "..."} in
its place, so output line N always belongs to input document N; it is reported on stderr and counted.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections import deque
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple

import spacy
import typer
from tqdm import tqdm

from mountner.inference.tag_ray import run_ray
from mountner.inference.tag_records import TagError, in_blocks, load_model, read_records, share_cores, tag_block
from mountner.model_loading import HOW_TO_GET

# Bad lines printed one by one before only the count is kept (all are counted, all are in OUTPUT).
MAX_REPORTED_ERRORS = 20


class Engine(str, Enum):
    local = "local"
    ray = "ray"


# ---------------------------------------------------------------- local engine: this process, or a pool


def run_local(model: str, records: Iterable[dict], batch_size: int, block_size: int, n_process: int) -> Iterator[dict]:
    if n_process == 1:
        nlp = load_model(model)
        for block in in_blocks(records, block_size):
            yield from tag_block(nlp, block, batch_size)
        return
    # Our own pool, one model per worker: spaCy's nlp.pipe(n_process=2) with torch inside has hung here
    # (fork after torch started its threads). spawn gives each worker a clean interpreter; torch's threads
    # are shared out so that the workers do not fight over the cores.
    threads = max(1, (os.cpu_count() or 1) // n_process)
    context = multiprocessing.get_context("spawn")
    with context.Pool(n_process, initializer=share_cores, initargs=(threads,)) as pool:
        pending: deque = deque()
        for block in in_blocks(records, block_size):
            pending.append(pool.apply_async(_tag_in_worker, (model, block, batch_size)))
            # A bounded number of blocks in flight keeps memory flat however long the input is.
            if len(pending) >= 2 * n_process:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


_WORKER_NLP = None


def _tag_in_worker(model: str, block: List[dict], batch_size: int) -> List[dict]:
    # Loaded on the first block, not in the pool's initializer: an initializer that raises makes the
    # pool restart workers forever, while an error here reaches the parent through .get().
    global _WORKER_NLP
    if _WORKER_NLP is None:
        _WORKER_NLP = load_model(model)
    return tag_block(_WORKER_NLP, block, batch_size)


# ---------------------------------------------------------------- output and resume


def completed_lines(output: Path) -> Tuple[int, int, Optional[dict]]:
    """(complete lines, byte length of those lines, the last complete line parsed): a killed run may
    have left a partial last line, which is cut off before writing resumes."""
    count, end, last_start = 0, 0, None
    position = 0
    previous_end = 0
    with output.open("rb") as data:
        while True:
            chunk = data.read(1 << 20)
            if not chunk:
                break
            start = 0
            while True:
                newline = chunk.find(b"\n", start)
                if newline < 0:
                    break
                count += 1
                last_start, previous_end = previous_end, position + newline + 1
                start = newline + 1
            position += len(chunk)
    end = previous_end
    last = None
    if count:
        with output.open("rb") as data:
            data.seek(last_start)
            raw = data.read(end - last_start)
        try:
            last = json.loads(raw)
        except ValueError:
            raise TagError(f"{output} line {count} is not JSON: not a tag.py output; pass --restart to overwrite it")
    return count, end, last


def resume(output: Path, records: Iterator[dict]) -> Tuple[int, Iterator[dict]]:
    """Skip the documents OUTPUT already holds; check that its last line belongs to this input."""
    done, end, last = completed_lines(output)
    if done:
        skipped = list(islice(records, done - 1))
        del skipped
        record = next(records, None)
        if record is None:
            raise TagError(f"{output} has {done} lines, more than the input's documents: it was written from another input; pass --restart or another --output")
        if record["id"] != last.get("id"):
            raise TagError(
                f"{output} line {done} has id {last.get('id')!r} but input document {done} has id {record['id']!r}: "
                "it was written from another input; pass --restart or another --output"
            )
    with output.open("r+b") as data:
        data.truncate(end)
    return done, records


def main(
    input: Path = typer.Argument(..., help="Text file (a document a line), .jsonl/.ndjson ({\"text\", \"id\"}) or a folder of .txt files"),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL to write; an existing one is continued where it stopped"),
    model: str = typer.Option("en_mountner", help="Installed package name or model folder"),
    n_process: int = typer.Option(1, min=1, help="Processes (local) or actors (ray), each with its own copy of the model"),
    batch_size: int = typer.Option(64, min=1, help="Texts per nlp.pipe batch"),
    block_size: int = typer.Option(512, min=1, help="Documents handed to a process or actor at a time"),
    engine: Engine = typer.Option(Engine.local, help="local: this machine; ray: Ray Data, on a local Ray or --ray-address"),
    ray_address: Optional[str] = typer.Option(None, help="An existing Ray cluster (e.g. ray://head:10001 or auto); default: start a local Ray"),
    num_gpus: float = typer.Option(0.0, min=0.0, help="GPUs per Ray actor (e.g. 1); the model then runs on the GPU"),
    restart: bool = typer.Option(False, help="Overwrite OUTPUT instead of continuing it"),
):
    """Tag every document of INPUT and write one JSON line per document, in input order."""
    try:
        if not input.exists():
            raise TagError(f"{input} not found: give a text file, a .jsonl file or a folder of .txt files")
        if engine is Engine.local and (ray_address or num_gpus):
            raise TagError("--ray-address and --num-gpus need --engine ray")
        if not (Path(model).exists() or _is_package(model)):
            raise TagError(f"model {model!r} not found (neither an installed package nor a folder): {HOW_TO_GET}")
        output.parent.mkdir(parents=True, exist_ok=True)
        if restart or not output.exists():
            output.write_bytes(b"")
        records = read_records(input)
        done, records = resume(output, records)
        if done:
            typer.echo(f"tag: {output} holds {done} documents; continuing after them", err=True)
        if engine is Engine.ray:
            results = run_ray(model, records, batch_size, block_size, n_process, ray_address, num_gpus, output.resolve().parent)
        else:
            results = run_local(model, records, batch_size, block_size, n_process)
        written, n_entities, n_errors = write_results(results, output, done)
    except TagError as err:
        typer.secho(f"tag: {err}", fg="red", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.secho(f"tag: interrupted; rerun the same command to continue {output}", fg="red", err=True)
        raise typer.Exit(130)
    resumed = f", after {done} from an earlier run" if done else ""
    typer.echo(
        f"tag: wrote {written} documents to {output}{resumed}: {n_entities} entities; {n_errors} bad lines skipped "
        "(each written as an \"error\" line in its place)", err=True,
    )


def write_results(results: Iterable[dict], output: Path, done: int) -> Tuple[int, int, int]:
    written = n_entities = n_errors = 0
    with output.open("a", encoding="utf8") as out, tqdm(results, initial=done, unit="doc", desc="tag", file=sys.stderr) as progress:
        for result in progress:
            if "error" in result:
                n_errors += 1
                if n_errors <= MAX_REPORTED_ERRORS:
                    progress.write(f"tag: skipped {result['error']}", file=sys.stderr)
                elif n_errors == MAX_REPORTED_ERRORS + 1:
                    progress.write("tag: more bad lines: counted in the summary, not shown", file=sys.stderr)
            else:
                n_entities += len(result["entities"])
            # One whole line per write: a kill leaves at most one partial line, which a rerun cuts off.
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            written += 1
            if written % 256 == 0:
                out.flush()
    return written, n_entities, n_errors


def _is_package(name: str) -> bool:
    return spacy.util.is_package(name)
