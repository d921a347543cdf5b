"""What both sources of real prose (wordnet_glosses.py, wikipedia_leads.py) share about gazetteer names."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Set

from mountner.generation.offline.data import load_table
from mountner.paths import LEXICON_DIR

NATIONAL_ADJECTIVES = LEXICON_DIR / "country_adjectives.tsv"


def generic_heads(mountain_names: Iterable[str], min_names: int = 20) -> Set[str]:
    """Words that are the first or the last word of at least min_names multi-word gazetteer names."""
    counts: Counter = Counter()
    for name in mountain_names:
        words = name.split()
        if len(words) > 1:
            counts[words[0]] += 1
            counts[words[-1]] += 1
    return {word for word, n in counts.items() if n >= min_names}


def national_adjectives(path=NATIONAL_ADJECTIVES) -> Set[str]:
    """The adjectives of assets/lexicon/country_adjectives.tsv ("Swiss", "Canadian"): before a range name they say
    where, and stay outside it (the Swiss [Alps])."""
    return {adjective for _, adjective in load_table(path, ("country", "adjective"))}
