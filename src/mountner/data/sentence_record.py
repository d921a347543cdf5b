"""One sentence record and one validation for every path that makes or reads tagged sentences: the
offline generator, the LLM backend (openai_answers.py) and IOB/CSV input (corpus_io.py). Also the one
name-cleaning rule (gazetteer names before they go into templates or prompts) and the one
de-duplication key for sentence texts.

Each path decides what a failed check means for it: the LLM backend drops the sentence and counts the
reason, the offline generator redraws it, IOB/CSV input stops with `file:line: what is wrong`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from mountner.data.bio import TAGS, normalise_tag, repair_bio

# The reasons validate_sentence returns; reports count drops under these names.
MALFORMED, UNKNOWN_TAG, LENGTH_MISMATCH, TOKENS_MISMATCH_TEXT = (
    "malformed", "unknown_tag", "length_mismatch", "tokens_mismatch_text")


@dataclass
class Sentence:
    """A tagged sentence: its text, its words (tokens) with one BIO tag each, and where it came from."""
    text: str
    words: List[str]
    tags: List[str]
    where: str = ""  # "file:line" of the sentence's first row, for messages
    repaired: int = 0  # I- tags after O that validation turned into B-
    pos: List[str] = field(default_factory=list)
    origin: str = ""  # where the sentence came from (bio.ROW_COLUMNS), where the file says

    def to_row(self) -> dict:
        """The dict the generators pass around, store in raw logs and give to bio.write_rows."""
        return {"text": self.text, "tokens": list(self.words), "pos": list(self.pos), "tags": list(self.tags)}


def squash_spaces(s: str) -> str:
    """The text without any whitespace: how words are compared with the text they come from."""
    return "".join(s.split())


def validate_sentence(text: object, words: Sequence[str], tags: Sequence[object], pos: Optional[Sequence[str]] = None,
                      where: str = "") -> Tuple[Optional[Sentence], Optional[str], str]:
    """Check one sentence; return (Sentence with repaired tags, None, "") or (None, reason, what is wrong).

    Checks, in this order: a non-empty text and non-empty words (MALFORMED), every tag one of bio.TAGS after
    normalising case and spacing (UNKNOWN_TAG), one tag (and one POS tag, when pos is given) per word
    (LENGTH_MISMATCH), the words rebuild the text apart from whitespace (TOKENS_MISMATCH_TEXT). An I- after O
    is then repaired to B- (counted in Sentence.repaired). Duplicates are the caller's business (text_key).
    """
    if not isinstance(text, str) or not text.strip():
        return None, MALFORMED, "empty text"
    if not words or any(not squash_spaces(w) for w in words):
        return None, MALFORMED, "empty word"
    normalised = []
    for i, tag in enumerate(tags):
        tag_ = normalise_tag(tag)
        if tag_ is None:
            return None, UNKNOWN_TAG, f"unknown tag {tag!r} (word {i + 1}); expected one of {', '.join(TAGS)}"
        normalised.append(tag_)
    if len(words) != len(tags) or (pos is not None and len(pos) != len(words)):
        counts = f"{len(words)} words, {len(tags)} tags" + (f", {len(pos)} POS tags" if pos is not None else "")
        return None, LENGTH_MISMATCH, f"one tag per word expected, got {counts}"
    if "".join(squash_spaces(w) for w in words) != squash_spaces(text):
        return None, TOKENS_MISMATCH_TEXT, "the words do not rebuild the sentence text"
    fixed, repaired = repair_bio(normalised)
    return Sentence(text, list(words), fixed, where, repaired, list(pos) if pos is not None else []), None, ""


def text_key(text: str) -> str:
    """De-duplication key of a sentence: whitespace-normalised, case-folded text."""
    return " ".join(text.split()).casefold()


def clean_name(name: object) -> Optional[str]:
    """A gazetteer name with its spaces normalised, or None for one that templates and prompts cannot use
    (not a string, empty, pandas' "nan", over 60 characters, brackets, quotes, tabs or ";", no letter)."""
    if not isinstance(name, str):
        return None
    name = " ".join(name.split())
    if (not name or name == "nan" or len(name) > 60 or any(c in name for c in "()[]{}|\"\t;")
            or not re.search(r"[A-Za-zÀ-ÿ]", name)):
        return None
    return name


def clean_names(names: Iterable[object]) -> List[str]:
    """The usable names (clean_name), each once, sorted."""
    return sorted({cleaned for cleaned in map(clean_name, names) if cleaned is not None})
