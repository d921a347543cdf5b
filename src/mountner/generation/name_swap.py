"""Mention replacement in real prose: copies of the real sentences that name a mountain, each mountain
swapped for another name drawn as the template generator draws them (gazetteer or composed, of the same
shape: a bare word stays a bare word, a range stays a range).

Why: the real prose's mountains are the famous ones a name list already knows, so the tagger can learn
them by heart; with other names in the same real sentence, only the context tells (Dai and Adel, 2020,
"An Analysis of Simple Data Augmentation for Named Entity Recognition", mention replacement).
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Iterable, List, Optional, Sequence, Tuple

from mountner.data.bio import bio_spans, word_char_offsets
from mountner.generation.offline.engine import Generator
from mountner.generation.real_prose.wordnet_glosses import tagged_row


def name_kind(name: str, plural_heads: Iterable[str]) -> str:
    """The generator's pool for a name of this shape: one word 'bare', a plural head 'group', else 'single'."""
    words = name.split()
    if len(words) == 1:
        return "bare"
    return "group" if words[-1] in set(plural_heads) else "single"


def swap_once(row: dict, draw_name, tokenizer) -> Tuple[Optional[dict], str]:
    """A copy of row with every mountain span replaced by draw_name(old_name); (None, reason) where it fails."""
    offsets = word_char_offsets(row["text"], row["tokens"])
    if offsets is None:
        return None, "words_not_in_text"
    where = [(offsets[start][0], offsets[end - 1][1]) for start, end in bio_spans(row["tags"])]
    text, new_spans = row["text"], []
    for (start, end) in reversed(where):  # from the right, so earlier offsets hold
        name = draw_name(text[start:end])
        text = text[:start] + name + text[end:]
        new_spans = [(s + len(name) - (end - start), e + len(name) - (end - start)) for s, e in new_spans]
        new_spans.append((start, start + len(name)))
    doc = tokenizer(text)
    spans = [doc.char_span(start, end) for start, end in new_spans]
    if any(span is None for span in spans):
        return None, "name_not_on_token_boundaries"
    return tagged_row(doc, spans)


def swapped_copies(rows: Sequence[dict], copies: int, seed: int, dropped: Optional[Counter] = None) -> List[dict]:
    """copies new sentences for every row that names a mountain, each with other names of the same shape;
    copies that fail the sentence check are left out and counted by reason in dropped."""
    import spacy

    dropped = Counter() if dropped is None else dropped
    with_mountains = [row for row in rows if any(tag != "O" for tag in row["tags"])]
    if copies <= 0 or not with_mountains:
        return []
    gen = Generator(seed + 7919)  # its own stream: the template sentences' draws stay as they were
    tokenizer = spacy.blank("en").make_doc
    rng = random.Random(seed)
    out = []
    for row in with_mountains:
        for _ in range(copies):
            used = set()

            def draw_name(old: str) -> str:
                return gen.mountain(used, name_kind(old, gen.plural_heads)).name

            copy, reason = swap_once(row, draw_name, tokenizer)
            if copy is None:
                dropped[reason] += 1
            else:
                out.append(copy)
    rng.shuffle(out)
    return out
