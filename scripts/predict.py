"""predict: per-word output with scores, the seed's format:
[{"word": ..., "entity_group": "MOUNTAIN" or "O", "score": ...}]."""
from __future__ import annotations

import json
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional

import spacy
import typer
from spacy.tokens import Doc

from mountner_pipeline import pipe_by_length
from visualize import render_page

app = typer.Typer(add_completion=False)

CHUNK_CHARS = 5000
# Cut long texts after a sentence end or a line break, so no name is cut in two.
_CUT = re.compile(r"[.!?]\s+|\n")


class Format(str, Enum):
    json = "json"
    table = "table"


def chunks(text: str, max_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Pieces of at most about max_chars, so a text of any length is tagged in bounded memory."""
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cuts = [m.end() for m in _CUT.finditer(window)]
        end = start + (cuts[-1] if cuts else (window.rfind(" ") + 1 or max_chars))
        yield text[start:end]
        start = end
    if start < len(text):
        yield text[start:]


def word_rows(doc: Doc) -> Iterator[dict]:
    for token in doc:
        if token.is_space:
            continue
        score = token._.get("mountner_prob") if token.has_extension("mountner_prob") else None
        yield {"word": token.text, "entity_group": token.ent_type_ or "O", "score": None if score is None else round(score, 4)}


def read_texts(texts: List[str], files: List[Path]) -> List[str]:
    """Arguments, then files; '-' or no text at all reads standard input."""
    out = []
    for text in texts:
        out.append(sys.stdin.read() if text == "-" else text)
    for path in files:
        try:
            out.append(path.read_text(encoding="utf8"))
        except (OSError, UnicodeDecodeError) as err:
            typer.secho(f"predict: cannot read {path}: {err}", fg="red", err=True)
            raise typer.Exit(1)
    if not texts and not files:
        out.append(sys.stdin.read())
    return out


@app.command()
def main(
    texts: List[str] = typer.Argument(None, help="Texts to tag; '-' reads standard input"),
    model: str = typer.Option("en_mountner", help="Installed package name or model folder"),
    file: List[Path] = typer.Option([], help="UTF-8 text files to tag (repeatable)"),
    format: Format = typer.Option(Format.json, help="json: the seed's per-word list; table: for people"),
    html: Optional[Path] = typer.Option(None, help="Also write a displaCy page with the confidences"),
    batch_size: int = typer.Option(16),
):
    """Tag texts and print every word with its entity group and score."""
    nlp = spacy.load(model)
    pieces = (piece for text in read_texts(texts or [], file) for piece in chunks(text))
    html_docs = []
    first = True
    if format is Format.json:
        sys.stdout.write("[")
    else:
        typer.echo(f"{'word':30} {'entity_group':12} score")
    for doc in pipe_by_length(nlp, pieces, batch_size=batch_size):
        if html is not None:
            html_docs.append(doc)
        for row in word_rows(doc):
            if format is Format.json:
                sys.stdout.write(("" if first else ",") + "\n  " + json.dumps(row, ensure_ascii=False))
            else:
                score = "-" if row["score"] is None else f"{row['score']:.3f}"
                typer.echo(f"{row['word'][:30]:30} {row['entity_group']:12} {score}")
            first = False
    if format is Format.json:
        sys.stdout.write("\n]\n" if not first else "]\n")
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_page(html_docs), encoding="utf8")
        typer.echo(f"wrote {html}", err=True)


if __name__ == "__main__":
    app()
