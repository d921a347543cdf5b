"""predict: per-word output with scores, the seed's format extended like the Hugging Face
token-classification pipeline without aggregation:
[{"word": ..., "entity_group": "MOUNTAIN" or "O", "score": ..., "entity": "B-MOUNTAIN" / "I-MOUNTAIN" / "O",
  "text_index": which input text, "start": ..., "end": ... (character offsets into that whole text)}]."""
from __future__ import annotations

import json
import os
import re
import sys
from collections import deque
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import typer
from spacy.tokens import Doc

from mountner.atomic_write import write_text_atomic
from mountner.model_loading import load_or_exit
from mountner.pipeline.batching import pipe_by_length
from mountner.inference.visualize import read_utf8, render_page


CHUNK_CHARS = 5000
# Cut long texts after a sentence end or a line break, so no name is cut in two.
_CUT = re.compile(r"[.!?]\s+|\n")


class Format(str, Enum):
    json = "json"
    table = "table"
    text = "text"


def chunks(text: str, max_chars: int = CHUNK_CHARS) -> Iterator[Tuple[int, str]]:
    """(offset, piece): pieces of at most about max_chars, so a text of any length is tagged in
    bounded memory; offset is where the piece starts in text."""
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cuts = [m.end() for m in _CUT.finditer(window)]
        end = start + (cuts[-1] if cuts else (window.rfind(" ") + 1 or max_chars))
        yield start, text[start:end]
        start = end
    if start < len(text):
        yield start, text[start:]


def word_rows(doc: Doc, text_index: int = 0, offset: int = 0) -> Iterator[dict]:
    """One row per word of doc, a piece of input text text_index that starts at offset."""
    for token in doc:
        if token.is_space:
            continue
        score = token._.get("mountner_prob") if token.has_extension("mountner_prob") else None
        start = offset + token.idx
        yield {
            "word": token.text,
            "entity_group": token.ent_type_ or "O",
            "score": None if score is None else round(score, 4),
            # B-/I- keep two adjacent names apart
            "entity": f"{token.ent_iob_}-{token.ent_type_}" if token.ent_type_ else "O",
            "text_index": text_index,
            "start": start,
            "end": start + len(token.text),
        }


def highlight(doc: Doc, colour: bool) -> str:
    """doc's text with each mountain name marked: in colour for a terminal, in [brackets] for a file or pipe."""
    out, end = [], 0
    for ent in doc.ents:
        out.append(doc.text[end : ent.start_char])
        out.append(typer.style(ent.text, fg=typer.colors.BLACK, bg=typer.colors.YELLOW, bold=True) if colour else f"[{ent.text}]")
        end = ent.end_char
    out.append(doc.text[end:])
    return "".join(out)


def wants_colour() -> bool:
    """Colour only where standard output is a terminal that accepts it (https://no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def read_texts(texts: List[str], files: List[Path]) -> List[str]:
    """Arguments, then files; '-' or no text at all reads standard input."""
    out = []
    for text in texts:
        out.append(sys.stdin.read() if text == "-" else text)
    for path in files:
        out.append(read_utf8(path, "predict"))
    if not texts and not files:
        out.append(sys.stdin.read())
    return out


def main(
    texts: List[str] = typer.Argument(None, help="Texts to tag; '-' reads standard input"),
    model: str = typer.Option("en_mountner", help="Installed package name or model folder"),
    file: List[Path] = typer.Option([], help="UTF-8 text files to tag (repeatable)"),
    format: Format = typer.Option(
        Format.json, help="json: the seed's per-word list; table: a word per line, for people; text: the text with the names highlighted"),
    html: Optional[Path] = typer.Option(None, help="Also write a displaCy page with the confidences"),
    batch_size: int = typer.Option(16, help="Texts per batch (1 or more)"),
):
    """Tag texts and print every word with its entity group, BIO tag, score and character offsets."""
    # Options first: nothing is printed (not even the JSON's "[") before all of them are good.
    if batch_size < 1:
        typer.secho(f"predict: --batch-size must be 1 or more (got {batch_size})", fg="red", err=True)
        raise typer.Exit(2)
    all_texts = read_texts(texts or [], file)
    nlp = load_or_exit(model, "predict")
    # pipe_by_length reads a piece before it yields its doc, so the queue always holds the doc's origin.
    origins: deque = deque()

    def pieces() -> Iterator[str]:
        for text_index, text in enumerate(all_texts):
            for offset, piece in chunks(text):
                origins.append((text_index, offset))
                yield piece

    html_docs = []
    first = True
    colour = wants_colour()
    if format is Format.json:
        sys.stdout.write("[")
    elif format is Format.table:
        typer.echo(f"{'word':30} {'entity_group':12} {'entity':12} score")
    shown_text = None
    for doc in pipe_by_length(nlp, pieces(), batch_size=batch_size):
        text_index, offset = origins.popleft()
        if html is not None:
            html_docs.append(doc)
        if format is Format.text:
            # A text's pieces come in order, so printing each piece as it comes rebuilds the whole text.
            if shown_text is not None and text_index != shown_text:
                sys.stdout.write("\n")
            shown_text = text_index
            sys.stdout.write(highlight(doc, colour))
            continue
        for row in word_rows(doc, text_index, offset):
            if format is Format.json:
                sys.stdout.write(("" if first else ",") + "\n  " + json.dumps(row, ensure_ascii=False))
            else:
                score = "-" if row["score"] is None else f"{row['score']:.3f}"
                typer.echo(f"{row['word'][:30]:30} {row['entity_group']:12} {row['entity']:12} {score}")
            first = False
    if format is Format.json:
        sys.stdout.write("\n]\n" if not first else "]\n")
    elif format is Format.text and shown_text is not None:
        sys.stdout.write("\n")
    if html is not None:
        write_text_atomic(html, render_page(html_docs))
        typer.echo(f"wrote {html}", err=True)

