"""Real mountaineering prose for the generators: the sentences of public-domain books of Alpine climbing,
Himalayan, Caucasian and Andean exploration and Rocky Mountain and Sierra travel, from GITenberg (Project
Gutenberg on GitHub, one book a repository), listed with commit, path and licence in assets/books/sources.tsv.
No book is by a writer whose books the real evaluation draws on, and passages quoting one (_QUOTED_WRITER) are
left out. `python -m mountner mountain-books` reads each book from its git mirror (`<mirrors>/<owner>+<name>/...`,
as the fetch tool leaves them) into assets/gazetteer/mountain_books.txt, one sentence a line.
"""
from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List

import spacy
import typer

from mountner.atomic_write import write_text_atomic
from mountner.paths import ASSETS_DIR, GAZETTEER_DIR

BOOKS = GAZETTEER_DIR / "mountain_books.txt"
SOURCES = ASSETS_DIR / "books" / "sources.tsv"
MAKE_BOOKS = "python -m mountner mountain-books"
COLUMNS = ["repo", "commit", "path", "ebook", "title", "author", "licence"]
MIN_WORDS, MAX_WORDS = 6, 60

_START = re.compile(r"^\*{3}\s*START OF.*$|^\*END\*\s*THE SMALL PRINT.*$", re.M | re.I)
_END = re.compile(r"^\*{3}\s*END OF|^End of (the )?Project Gutenberg", re.M | re.I)
_MARKER = re.compile(r"\[(Illustration|Footnote|Sidenote|Transcriber|\d+\]|[A-Z]\])|(Footnotes?|Produced by|Transcriber)\b"
                     r"|.*(https?:|www\.)", re.I)
_PAGE_NUMBER = re.compile(r"\d+[\].,;]?\s*$")
_INLINE = re.compile(r"\[(Illustration|Sidenote|Footnote)[^\]]*\]|\[\d+\]|\[[A-Z]\]|\{p\.\s*\d+\}|(?<=[^\s(])\(\d{1,3}\)"
                     r"|\s*\((see )?(Illustrations?|Figs?\.|Plates?|pp?\.) [^()]*\)|\s*\([^()]*\bpages? \d+[^()]*\)")
_RUN_IN = re.compile(r"^[A-Z][A-Z0-9 ,.'’&()-]{3,}(--|—)\s*")  # "BLEA CRAGS AND MOUSE GHYLL.--The Blea Crag..."
_ABBREVIATION_END = re.compile(r"\b(No|Nos|Mr|Mrs|Dr|St|Mt|Messrs|Fig|Figs|Vol|pp?)\.$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
# Writers whose own books the real evaluation draws on: what these books quote of them must not reach training.
_QUOTED_WRITER = re.compile(r"\b(Tyndall|Collie|Hudson Stuck|Conway|Whymper|Muir|Twain|Clemens|Isabella Bird)\b")
_QUOTE = re.compile(r"[\"“”‘]|--|—|\b(says|writes|wrote|said|has it)\b")


def read_sources(path: Path) -> List[Dict[str, str]]:
    """The rows of sources.tsv; a bad header or row (missing field, commit not 40 hex digits) raises ValueError."""
    with open(path, encoding="utf8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}:1: expected the columns {COLUMNS}, found {reader.fieldnames}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if None in row or not all((row.get(c) or "").strip() for c in COLUMNS) or not re.fullmatch(r"[0-9a-f]{40}", row["commit"]):
            raise ValueError(f"{path}:{line}: expected {len(COLUMNS)} non-empty tab-separated fields, a 40-hex-digit commit")
    return rows


def git_dir(mirrors: Path, repo: str) -> Path:
    """The git directory of repo's mirror, bare or not, wherever it lies under mirrors/<owner>+<name>."""
    folder = mirrors / repo.replace("/", "+")
    found = sorted(head.parent for head in folder.rglob("HEAD") if (head.parent / "objects").is_dir())
    if not found:
        raise FileNotFoundError(f"no git mirror under {folder}")
    return found[0]


def book_text(mirror_dir: Path, row: Dict[str, str]) -> str:
    """The book's plain text at the recorded commit: UTF-8, or Latin-1 where it is not (the -8.txt files)."""
    done = subprocess.run(["git", "--git-dir", str(mirror_dir), "show", f"{row['commit']}:{row['path']}"],
                          capture_output=True)
    if done.returncode:
        raise FileNotFoundError(f"git show {row['commit']}:{row['path']}: {done.stderr.decode(errors='replace').strip()}")
    try:
        return done.stdout.decode("utf8")
    except UnicodeDecodeError:
        typer.echo(f"{row['repo']}: {row['path']} is not UTF-8; read as Latin-1")
        return done.stdout.decode("latin-1")


def strip_boilerplate(text: str) -> str:
    """What lies between Project Gutenberg's START and END markers (or after the old "*END*THE SMALL PRINT")."""
    start = _START.search(text)
    end = _END.search(text, start.end()) if start else None
    if not start or not end:
        raise ValueError("no Project Gutenberg START/END markers found")
    return text[start.end():end.start()]


def _paragraphs(text: str) -> Iterable[str]:
    """Unwrapped paragraphs less indented blocks (verse, quotations, tables, sidenotes), headings, markers,
    contents and index pages, and passages quoting a _QUOTED_WRITER (and the block after "... writes:")."""
    skip_next = False
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        joined = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "-", "\n".join(line.strip() for line in lines)).replace("\n", " ")
        letters = [c for c in joined if c.isalpha()]
        quoting, after_colon = bool(_QUOTED_WRITER.search(joined)), skip_next
        skip_next = quoting and joined.endswith(":")
        if (after_colon or (quoting and _QUOTE.search(joined)) or _MARKER.match(joined)
                or sum(line[:1].isspace() for line in lines) * 2 > len(lines)
                or not letters or sum(c.isupper() for c in letters) > 0.6 * len(letters)
                or (len(joined.split()) <= 12 and not _SENTENCE_END.search(joined))
                or (len(lines) > 1 and sum(bool(_PAGE_NUMBER.search(line)) for line in lines) > 0.4 * len(lines))):
            continue
        # No run-in heading, footnote or illustration references, _italic_ underscores or =bold= signs.
        yield re.sub(r"=([^=\s][^=]*)=|_([^_]+)_", r"\1\2", _INLINE.sub("", _RUN_IN.sub("", joined))).replace("_", "")


def _starts(text: str) -> bool:
    return text[:1].isupper() or (text[:1] in "\"“‘'(" and text[1:2].isupper())


def _keep(sentence: str) -> bool:
    words = sentence.split()
    crowded = sum(any(c.isdigit() for c in w) or (len(w) > 2 and w.isupper()) for w in words)  # lists, adverts
    return (MIN_WORDS <= len(words) <= MAX_WORDS and _starts(sentence) and bool(_SENTENCE_END.search(sentence))
            and not _ABBREVIATION_END.search(sentence) and bool(re.search(r"\b[a-z]+\b", sentence))
            and not re.search(r"[\[\]{}]", sentence) and crowded * 4 <= len(words))


def extract(texts: Iterable[str]) -> List[str]:
    """The books' sentences (spaCy's sentencizer) of MIN_WORDS to MAX_WORDS words, de-duplicated, in order. A
    sentence the sentencizer cut short (the next one starts in lower case or with a digit) is left out."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    paragraphs = [p for text in texts for p in _paragraphs(strip_boilerplate(text))]
    seen, sentences = set(), []
    for doc in nlp.pipe(paragraphs, batch_size=256):
        sents = [" ".join(sent.text.split()) for sent in doc.sents]
        for text, following in zip(sents, sents[1:] + ["X"]):
            if text and _starts(following) and _keep(text) and text not in seen:
                seen.add(text)
                sentences.append(text)
    return sentences


def main(
    mirrors: Path = typer.Option(Path("/work/.mirror"), help="folder of the GITenberg mirrors, one <owner>+<name> folder each"),
    sources: Path = typer.Option(SOURCES, help="the books: repo, commit, path, ebook, title, author, licence"),
    output: Path = typer.Option(BOOKS),
):
    """Extract the sentences of public-domain mountaineering and mountain-travel books."""
    seen, sentences, rows, where = set(), [], [], ""
    try:
        for row in read_sources(sources):
            where = f"{row['repo']} ({row['path']}): "
            new = [s for s in extract([book_text(git_dir(mirrors, row["repo"]), row)]) if s not in seen]
            seen.update(new)
            sentences, rows = sentences + new, rows + [row]
            typer.echo(f"{len(new):7d}  #{row['ebook']:<6} {row['title']} ({row['author']})")
    except (OSError, ValueError) as exc:
        typer.secho(f"{where}{exc}", fg="red", err=True)
        raise typer.Exit(1)
    # Written whole or not at all: a failed run leaves the committed file as it was.
    write_text_atomic(output, "\n".join(sentences) + "\n")
    typer.echo(f"wrote {len(sentences)} sentences from {len(rows)} books to {output}")
