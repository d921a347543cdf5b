"""The word-level BIO vocabulary shared by the generators, convert and evaluate.

One place for the label guideline, the tag set, BIO repair and the row layout of
corpus/mountains.csv, so that every step reads and writes the same thing.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from mountner.atomic_write import open_atomic

LABEL = "MOUNTAIN"
OUTSIDE = "O"
TAGS = (OUTSIDE, f"B-{LABEL}", f"I-{LABEL}")

# Columns of corpus/mountains.csv: one row per word (the seed's layout, plus the split tag columns
# it derived, and where the sentence came from: template, llm, wordnet_gloss, wikipedia_lead,
# mountain_book or name_swap; evaluate scores the test split by origin, so that real prose is told apart from
# generated sentences).
ROW_COLUMNS = ["sentence_id", "sentence", "word", "pos", "tag", "tag_general", "tag_position", "origin"]

LABEL_GUIDELINE = """\
MOUNTAIN is the proper name of a peak, mountain, volcano, hill, ridge, massif or mountain range,
for example Mount Everest, K2, Mauna Loa, Ben Nevis, Sierra Nevada, Monte Rosa, Pico de Orizaba,
the Apennines (the article "the" stays outside the entity). Include the generic head word when it is
part of the name ("Mount Everest", "Ben Nevis", "Table Mountain", "Cascade Range", "Blue Ridge").
Possessive "'s" stays outside ("Kilimanjaro" in "Kilimanjaro's summit"). A national adjective before a
range says where and stays outside ("Alps" in "the Swiss Alps", "Rockies" in "the Canadian Rockies"),
unless the two words name another range (Japanese Alps, Australian Alps); a directional word that is
part of the name stays inside (Southern Carpathians, Northern Apennines).
NOT a mountain: a generic word (the mountain, the summit, the peak, the range); a thing named after a
mountain (Mount Sinai Hospital, Everest Group, an Olympus camera, Fuji film, Rainier beer, Mount Vernon
the estate); a city, river, lake, island, valley, glacier, pass or national park, even when its name
contains a mountain word (Rocky Mountain National Park, Mountain View, Table Bay)."""


def normalise_tag(tag: object) -> Optional[str]:
    """Map case and spacing variants ("b-mountain", " I-Mountain ") onto TAGS; None if unknown."""
    if not isinstance(tag, str):
        return None
    cleaned = "".join(tag.split()).upper().replace("_", "-")
    return cleaned if cleaned in TAGS else None


def repair_bio(tags: Sequence[str]) -> Tuple[List[str], int]:
    """Turn an I- that follows O (or starts the sentence) into B-; return the tags and the count."""
    repaired, n_fixed, previous = [], 0, "O"
    for tag in tags:
        if tag.startswith("I-") and previous == "O":
            tag = "B-" + tag[2:]
            n_fixed += 1
        repaired.append(tag)
        previous = tag
    return repaired, n_fixed


def bio_entity_spans(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    """(start, end, label) of the entities in well-formed BIO tags, end exclusive."""
    spans, start = [], None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        if start is not None and not tag.startswith("I-"):
            spans.append((start, i, tags[start][2:]))
            start = None
        if tag.startswith("B-"):
            start = i
    return spans


def bio_spans(tags: Sequence[str]) -> List[Tuple[int, int]]:
    """Word-index spans [start, end) of the entities in well-formed BIO tags."""
    return [(start, end) for start, end, _ in bio_entity_spans(tags)]


def word_char_offsets(text: str, words: Sequence[str]) -> Optional[List[Tuple[int, int]]]:
    """Character offsets of each word in text, found left to right; None if a word is missing."""
    offsets, cursor = [], 0
    for word in words:
        start = text.find(word, cursor)
        if start < 0 or text[cursor:start].strip():
            return None
        offsets.append((start, start + len(word)))
        cursor = start + len(word)
    return offsets


def sentence_rows(sentence_id: int, text: str, words: Sequence[str], pos: Sequence[str], tags: Sequence[str],
                  origin: str = "") -> Iterable[dict]:
    for word, pos_tag, tag in zip(words, pos, tags):
        yield {
            "sentence_id": sentence_id,
            "sentence": text,
            "word": word,
            "pos": pos_tag,
            "tag": tag,
            "tag_general": tag[2:] if tag != "O" else "O",
            "tag_position": tag[0],
            "origin": origin,
        }


def write_rows(sentences: Iterable[dict], path: Path) -> int:
    """Write sentences ({"text", "tokens", "pos", "tags"}, optional "origin") as word rows; return the sentence count.

    The file is replaced only once every row is written (see open_atomic)."""
    n = 0
    with open_atomic(Path(path), "w", newline="", encoding="utf8") as f:
        writer = csv.DictWriter(f, fieldnames=ROW_COLUMNS)
        writer.writeheader()
        for n, sentence in enumerate(sentences, start=1):
            writer.writerows(sentence_rows(n - 1, sentence["text"], sentence["tokens"], sentence["pos"], sentence["tags"],
                                           sentence.get("origin", "")))
    return n
