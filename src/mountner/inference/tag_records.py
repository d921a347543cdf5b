"""What every engine of `tag` runs: the input read as records (one per document, a bad line an error
record in its place), cut into blocks, and a block tagged into output objects."""
from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, List, Tuple

import numpy  # noqa: F401  (loads the BLAS, which threadpoolctl can only limit once loaded)
import spacy
import torch
from threadpoolctl import threadpool_limits

from mountner.inference.predict import chunks

JSONL_SUFFIXES = (".jsonl", ".ndjson")


class TagError(Exception):
    """Bad input or options: one line for the user, exit status 1."""


# ---------------------------------------------------------------- input


def read_records(source: Path) -> Iterator[dict]:
    """Input documents as {"seq", "id", "text"} or, for a bad line, {"seq", "id", "error"}, one per
    document in input order (seq is its 0-based position, and so its output line)."""
    if source.is_dir():
        yield from _read_folder(source)
    elif source.suffix.lower() in JSONL_SUFFIXES:
        yield from _read_lines(source, jsonl=True)
    else:
        yield from _read_lines(source, jsonl=False)


def _read_folder(folder: Path) -> Iterator[dict]:
    paths = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    for seq, path in enumerate(paths):
        name = path.relative_to(folder).as_posix()
        try:
            yield {"seq": seq, "id": name, "text": path.read_bytes().decode("utf8")}
        except UnicodeDecodeError as err:
            yield {"seq": seq, "id": name, "error": f"{path}: not UTF-8 (byte {err.start}: {err.reason})"}
        except OSError as err:
            yield {"seq": seq, "id": name, "error": f"{path}: cannot read ({err.strerror})"}


def _read_lines(path: Path, jsonl: bool) -> Iterator[dict]:
    # Binary, so that one line that is not UTF-8 is one bad line rather than the end of the run.
    with path.open("rb") as lines:
        for seq, raw in enumerate(lines):
            number = seq + 1
            where = f"{path} line {number}"
            try:
                line = raw.rstrip(b"\r\n").decode("utf8")
            except UnicodeDecodeError as err:
                yield {"seq": seq, "id": number, "error": f"{where}: not UTF-8 (byte {err.start}: {err.reason})"}
                continue
            if not jsonl:
                yield {"seq": seq, "id": number, "text": line}
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                yield {"seq": seq, "id": number, "error": f"{where}: not JSON ({err.msg})"}
                continue
            doc_id = obj.get("id", number) if isinstance(obj, dict) else number
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                yield {"seq": seq, "id": doc_id, "error": f'{where}: no "text" string'}
            else:
                yield {"seq": seq, "id": doc_id, "text": obj["text"]}


def in_blocks(records: Iterable[dict], size: int) -> Iterator[List[dict]]:
    records = iter(records)
    while True:
        block = list(islice(records, size))
        if not block:
            return
        yield block


# ---------------------------------------------------------------- tagging (every engine runs this)


def load_model(model: str):
    return spacy.load(model)


def entity_rows(doc, offset: int) -> List[dict]:
    rows = []
    for ent in doc.ents:
        confidence = ent._.get("confidence") if ent.has_extension("confidence") else None
        source = ent._.get("mountner_source") if ent.has_extension("mountner_source") else None
        rows.append({
            "start": ent.start_char + offset, "end": ent.end_char + offset, "text": ent.text, "label": ent.label_,
            "confidence": None if confidence is None else round(float(confidence), 4), "source": source,
        })
    return rows


def tag_block(nlp, records: List[dict], batch_size: int) -> List[dict]:
    """One output object per record, in the records' order. Long texts are cut into pieces; each piece's
    entities are shifted by the piece's start, so offsets point into the whole document."""
    results = [{"id": r["id"], "entities": []} if "error" not in r else {"id": r["id"], "error": r["error"]} for r in records]
    pieces: List[str] = []
    owners: List[Tuple[int, int]] = []
    for k, record in enumerate(records):
        if "error" in record:
            continue
        for offset, piece in chunks(record["text"]):
            pieces.append(piece)
            owners.append((k, offset))
    for (k, offset), doc in zip(owners, nlp.pipe(pieces, batch_size=batch_size)):
        results[k]["entities"].extend(entity_rows(doc, offset))
    return results


def share_cores(threads: int) -> None:
    """Both thread pools the pipeline computes with, torch's (the encoder) and numpy's BLAS (the tagger's
    layers), get this process's share of the cores."""
    torch.set_num_threads(threads)
    threadpool_limits(threads, user_api="blas")
