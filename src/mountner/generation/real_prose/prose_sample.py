"""Tagged sentences drawn from a file of real prose, one sentence a line: Wikipedia's lead sentences
(wikipedia_leads.py) and mountaineering books (mountain_books.py). Mountains are tagged from the gazetteer
as in WordNet's glosses (wordnet_glosses.tag_sentences); a sentence whose O tags cannot be trusted (a generic
head word beside a capitalised word the gazetteer does not explain) is left out and counted."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from mountner.generation.real_prose.common import generic_heads, national_adjectives
from mountner.generation.real_prose.wordnet_glosses import tag_sentences


def sample_lines(n: int, seed: int, mountain_names: Sequence[str], path: Path, how_to_make: str) -> Tuple[List[dict], Dict[str, int]]:
    """n tagged sentences drawn with the seed (all that pass if fewer), and the count left out by reason. A plain
    draw keeps real text's own rate of mountains (putting every sentence with one first cost precision and
    gained no recall: docs/EXPERIMENTS.md). how_to_make says how to write the file where it is missing."""
    dropped: Counter = Counter()
    if n <= 0:
        return [], {}
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `{how_to_make}`")
    pool = [line for line in path.read_text(encoding="utf8").splitlines() if line.strip()]
    random.Random(seed).shuffle(pool)
    heads, adjectives = generic_heads(mountain_names), national_adjectives()
    rows: List[dict] = []
    start = 0
    while len(rows) < n and start < len(pool):
        # A few more than missing, since some are left out; the rest of the pool waits for the next round.
        chunk = pool[start:start + (n - len(rows)) + (n - len(rows)) // 10 + 10]
        start += len(chunk)
        rows += tag_sentences(chunk, mountain_names, generic_heads=heads, dropped=dropped, outside_before=adjectives)
    return rows[:n], dict(dropped)
