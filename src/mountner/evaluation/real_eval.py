"""real-eval: build the real-text mountain evaluation files from Few-NERD (Ding et al., ACL 2021,
CC BY-SA 4.0), so that the real-text row can be measured where ../shared/data is not at hand.

Few-NERD's files hold one `token<TAB>fine-type` a line (`location-mountain`, `location-GPE`, `O`, ...),
a blank line between sentences; BIO-prefixed conversions (`B-location_mountain`) are read too.
`location-mountain` becomes B-/I-MOUNTAIN (a run of it is one name: Few-NERD tags IO), every other
type becomes O. Written, in IOB2 (`token<TAB>tag`), for measuring only, never for training:

- the mountain file: every sentence with a mountain, plus a fixed-seed sample of sentences with
  another location type (cities, islands, roads, rivers: hard negatives) and one of other sentences;
- the mountain-free file: a fixed-seed sample of further sentences with no mountain, none of them in
  the first file (false positives per 1,000 real sentences).

    python -m mountner real-eval corpus/raw/fewnerd/supervised-dev.txt --output-dir corpus/raw/fewnerd
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import typer
from tqdm import tqdm

from mountner.atomic_write import write_text_atomic


# bio.TAGS[1:]; not imported from bio, which loads spaCy and torch (half a minute on a busy 2-core
# machine) for two strings: tests/evaluation/test_build_real_eval.py checks that they agree.
BEGIN, INSIDE = "B-MOUNTAIN", "I-MOUNTAIN"
MOUNTAIN_TYPE = "location-mountain"
# Few-NERD's eight coarse types; a fine type is "<coarse>-<fine>".
COARSE_TYPES = ("art", "building", "event", "location", "organization", "other", "person", "product")


class DataError(ValueError):
    """Bad input; the message names the file and the line."""


@dataclass
class TypedSentence:
    words: List[str]
    types: List[str]  # Few-NERD fine type per word, normalised ("location-mountain", "O")
    starts: List[bool]  # the source marked the word B- (a new entity even right after another)
    where: str  # "file:line" of the first word

    def has(self, fine_type: str) -> bool:
        return fine_type in self.types

    def has_other_location(self) -> bool:
        return any(t.startswith("location-") and t != MOUNTAIN_TYPE for t in self.types)

    def mountain_tags(self) -> List[str]:
        tags, previous = [], "O"
        for fine_type, start in zip(self.types, self.starts):
            if fine_type != MOUNTAIN_TYPE:
                tags.append("O")
            else:
                tags.append(BEGIN if start or previous != MOUNTAIN_TYPE else INSIDE)
            previous = fine_type
        return tags


def normalise_type(raw: str, where: str) -> tuple[str, bool]:
    """("B-location_mountain" | "location-mountain" | "O") -> ("location-mountain" | "O", starts)."""
    tag = raw.strip()
    starts = tag.startswith("B-")
    if tag[:2] in ("B-", "I-"):
        tag = tag[2:]
    if tag == "O":
        return "O", False
    fine = tag.replace("_", "-", 1) if "-" not in tag else tag
    if fine.split("-", 1)[0].lower() not in COARSE_TYPES or "-" not in fine:
        raise DataError(f"{where}: unknown Few-NERD type {raw!r}; expected O or <coarse>-<fine> with coarse one of "
                        f"{', '.join(COARSE_TYPES)} (is this a Few-NERD file?)")
    coarse, rest = fine.split("-", 1)
    return f"{coarse.lower()}-{rest}", starts


def read_fewnerd(path: Path) -> Tuple[List[TypedSentence], int]:
    """Few-NERD sentences, and the count of whitespace-only tokens left out (a reader of the IOB file
    would see an empty word); a line without a token and a type stops with file:line."""
    if not path.is_file():
        raise DataError(f"{path}: file not found; fetch it with `python -m spacy project assets --extra`, "
                        f"or pass a Few-NERD file you have")
    sentences: List[TypedSentence] = []
    words: List[str] = []
    types: List[str] = []
    starts: List[bool] = []
    first, blank_tokens = 1, 0
    with path.open(encoding="utf8") as lines:
        try:
            for number, line in enumerate(tqdm(lines, desc=f"read {path.name}", unit=" lines", leave=False), start=1):
                line = line.rstrip("\n")
                if not line.strip():
                    if words:
                        sentences.append(TypedSentence(words, types, starts, f"{path}:{first}"))
                    words, types, starts, first = [], [], [], number + 1
                    continue
                columns = line.split("\t") if "\t" in line else line.split()
                if len(columns) < 2:
                    raise DataError(f"{path}:{number}: expected 'token<TAB>fine-type', got {line[:60]!r}")
                fine_type, start = normalise_type(columns[-1], f"{path}:{number}")
                if not columns[0].strip():
                    blank_tokens += 1
                    continue
                words.append(columns[0].strip())
                types.append(fine_type)
                starts.append(start)
        except UnicodeDecodeError as err:
            raise DataError(f"{path}: not UTF-8 ({err.reason})") from None
    if words:
        sentences.append(TypedSentence(words, types, starts, f"{path}:{first}"))
    return sentences, blank_tokens


def select(sentences: Sequence[TypedSentence], n_other_location: int, n_other: int, n_nomountain: int, seed: int):
    """Indices of the mountain file (all mountain sentences + two fixed-seed samples) and of the
    mountain-free file (a fixed-seed sample of the rest), each in source order."""
    rng = random.Random(seed)
    with_mountain = [i for i, s in enumerate(sentences) if s.has(MOUNTAIN_TYPE)]
    other_location = [i for i, s in enumerate(sentences) if not s.has(MOUNTAIN_TYPE) and s.has_other_location()]
    other = [i for i, s in enumerate(sentences) if not s.has(MOUNTAIN_TYPE) and not s.has_other_location()]
    chosen = set(with_mountain)
    chosen |= set(rng.sample(other_location, min(n_other_location, len(other_location))))
    chosen |= set(rng.sample(other, min(n_other, len(other))))
    rest = [i for i in other_location + other if i not in chosen]
    nomountain = rng.sample(sorted(rest), min(n_nomountain, len(rest)))
    return sorted(chosen), sorted(nomountain)


def write_iob(sentences: Sequence[TypedSentence], path: Path) -> int:
    """IOB2, token<TAB>tag, a blank line between sentences; through a temp file in the same folder,
    so a failure leaves the old file as it was. Returns the number of mountain entities written."""
    lines, entities = [], 0
    for sentence in sentences:
        tags = sentence.mountain_tags()
        entities += sum(tag == BEGIN for tag in tags)
        lines += [f"{word}\t{tag}\n" for word, tag in zip(sentence.words, tags)] + ["\n"]
    write_text_atomic(path, "".join(lines))
    return entities


def main(
    source: Path = typer.Argument(..., help="A Few-NERD file (token<TAB>fine-type a line, blank line between sentences)"),
    output_dir: Path = typer.Option(Path("corpus/raw/fewnerd"), help="Where the two IOB files go"),
    mountain_name: str = typer.Option("fewnerd-mountain.iob", help="File name of the mountain file"),
    nomountain_name: str = typer.Option("fewnerd-nomountain.iob", help="File name of the mountain-free file"),
    n_other_location: int = typer.Option(200, min=0, help="Sentences with another location type and no mountain"),
    n_other: int = typer.Option(200, min=0, help="Other sentences with no location at all"),
    n_nomountain: int = typer.Option(3000, min=0, help="Sentences in the mountain-free file"),
    seed: int = typer.Option(0, help="Seed of the samples"),
):
    """Build the mountain file and the mountain-free file from a Few-NERD file."""
    try:
        sentences, blank_tokens = read_fewnerd(source)
        if not any(s.has(MOUNTAIN_TYPE) for s in sentences):
            raise DataError(f"{source}: no sentence has the type {MOUNTAIN_TYPE!r} ({len(sentences)} sentences read); "
                            f"use a split that keeps every type, such as Few-NERD's supervised split")
    except DataError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(1)
    keep, nomountain = select(sentences, n_other_location, n_other, n_nomountain, seed)
    kept = [sentences[i] for i in keep]
    mountain_path, nomountain_path = output_dir / mountain_name, output_dir / nomountain_name
    entities = write_iob(kept, mountain_path)
    write_iob([sentences[i] for i in nomountain], nomountain_path)
    n_mountain = sum(s.has(MOUNTAIN_TYPE) for s in kept)
    typer.echo(f"{source}: {len(sentences)} sentences, {n_mountain} with a mountain; "
               f"{blank_tokens} whitespace-only tokens left out")
    typer.echo(f"{mountain_path}: {len(kept)} sentences ({n_mountain} with a mountain, {entities} mountain entities, "
               f"{sum(s.has_other_location() and not s.has(MOUNTAIN_TYPE) for s in kept)} with another location type)")
    typer.echo(f"{nomountain_path}: {len(nomountain)} sentences without a mountain")

