"""MountNER's learning-rate schedule for `spacy train`: `mountner.warmup_cosine.v1`, a linear warmup followed by a
cosine decay, which thinc does not ship. Configs name it under [training.optimizer.learn_rate]; thinc finds it
through the package's `thinc_schedules` entry point."""

import math
from typing import Iterable

from spacy.util import registry


@registry.schedules("mountner.warmup_cosine.v1")
def warmup_cosine(initial_rate: float, warmup_steps: int, total_steps: int, min_rate: float = 0.0) -> Iterable[float]:
    """Linear warmup to initial_rate, then a cosine decay to min_rate at total_steps.

    thinc ships warmup_linear but no cosine schedule; past total_steps the rate stays at min_rate.
    """
    step = 0
    while True:
        if step < warmup_steps:
            yield initial_rate * step / max(1, warmup_steps)
        else:
            progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
            yield min_rate + (initial_rate - min_rate) * 0.5 * (1.0 + math.cos(math.pi * progress))
        step += 1
