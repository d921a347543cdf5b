"""What both sources of real prose (wordnet_glosses.py, wikipedia_leads.py) share about gazetteer names."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Set


def generic_heads(mountain_names: Iterable[str], min_names: int = 20) -> Set[str]:
    """Words that are the first or the last word of at least min_names multi-word gazetteer names."""
    counts: Counter = Counter()
    for name in mountain_names:
        words = name.split()
        if len(words) > 1:
            counts[words[0]] += 1
            counts[words[-1]] += 1
    return {word for word, n in counts.items() if n >= min_names}
