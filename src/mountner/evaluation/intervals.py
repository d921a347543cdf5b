"""95% bootstrap intervals over sentences: how far another sample of the same kind of text could move a
figure. Resampling whole sentences keeps each sentence's entities together."""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy

# Resamples (of whole sentences, with replacement) for the 95% intervals; fixed seed, so a rerun gives the same interval.
BOOTSTRAP_SAMPLES = 2000


def prf_from_counts(right: numpy.ndarray, predicted: numpy.ndarray, gold: numpy.ndarray) -> Dict[str, numpy.ndarray]:
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return {"precision": numpy.nan_to_num(right / predicted), "recall": numpy.nan_to_num(right / gold),
                "f1": numpy.nan_to_num(2 * right / (predicted + gold))}


def bootstrap_sums(per_sentence: numpy.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> numpy.ndarray:
    """Column sums of `samples` resamples of the rows (sentences), drawn with replacement: shape (samples, columns)."""
    rng = numpy.random.default_rng(seed)
    n = len(per_sentence)
    return numpy.stack([per_sentence[rng.integers(0, n, n)].sum(axis=0) for _ in range(samples)]) if n else numpy.zeros((0, per_sentence.shape[1]))


def interval95(values: numpy.ndarray) -> Optional[List[float]]:
    return [float(numpy.percentile(values, 2.5)), float(numpy.percentile(values, 97.5))] if len(values) else None


def prf_intervals(counts: numpy.ndarray) -> Dict[str, Optional[List[float]]]:
    """95% bootstrap intervals of entity-level precision, recall and F1 from per-sentence counts
    (sentence_entity_counts), resampling whole sentences."""
    sums = bootstrap_sums(counts)
    return {name: interval95(values) for name, values in prf_from_counts(sums[:, 0], sums[:, 1], sums[:, 2]).items()}
