"""How many requests a round of the LLM backend sends: enough for the shortfall at the loss measured so far
(or at a prior before any answer), with a safety margin, so that one round usually suffices.

The loss has two parts: the share of requests without a usable answer (an error, or an answer that is not
JSON) and the share of the sentences asked of a usable answer that were not accepted (dropped by validation,
or never sent).  The batch path sizes each round with :func:`size_round` (a Batch API round can take up to
24 hours, so falling short costs a day); the live path has no rounds (it launches one request at a time while
the answers in flight may still fall short), but both measure their loss with :func:`measure` and write it
to the report, where a later run finds its prior (:func:`prior_from_report`).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional


@dataclass(frozen=True)
class Loss:
    request_failure_share: float   # requests without a usable answer
    sentence_drop_share: float     # sentences asked of usable answers that were not accepted
    requests: int                  # requests it was measured on (for a prior: as sure as that many requests)
    basis: str                     # where it comes from: "measured", "history: ...", "default prior"

    def sentences_per_request(self, sentences_per_request: int) -> float:
        return sentences_per_request * (1 - self.request_failure_share) * (1 - self.sentence_drop_share)

    @property
    def combined(self) -> float:
        """The share of the sentences asked that were not accepted."""
        return 1 - (1 - self.request_failure_share) * (1 - self.sentence_drop_share)

    def to_json(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()} | {"combined": round(self.combined, 4)}


# The prior before any answer where no earlier run of the same model measured one: what a cheap model on a
# bad day loses (failed requests, answers that are not JSON; then unknown tags, unequal lengths, duplicates),
# held as loosely as 20 measured requests.
DEFAULT_PRIOR = Loss(request_failure_share=0.15, sentence_drop_share=0.20, requests=20, basis="default prior")
NO_LOSS = Loss(0.0, 0.0, requests=1, basis="no loss (given)")
MIN_HISTORY_REQUESTS = 10   # an earlier run's measured loss serves as the prior from this many requests on
SAFETY_Z = 1.645            # one round falls short about 1 time in 20 when the loss is as estimated
# A loss above 75% is not sized for: a round sends at most 4 times the requests a loss-free round would.
MIN_YIELD_SHARE = 0.25


def measure(settled: int, usable: int, accepted: int, sentences_per_request: int, basis: str = "measured") -> Optional[Loss]:
    """The loss of `settled` requests (answered or failed for good), `usable` of them with a JSON answer holding
    `accepted` accepted sentences; None before any request settled."""
    if settled <= 0:
        return None
    failure = 1 - min(usable, settled) / settled
    asked = usable * max(1, sentences_per_request)
    drop = min(1.0, max(0.0, 1 - accepted / asked)) if asked else 0.0
    return Loss(failure, drop, settled, basis)


def prior_from_report(report_path: Path, model: str) -> Optional[Loss]:
    """The loss an earlier run of the same model measured (its report's `loss`), where it measured enough."""
    try:
        report = json.loads(Path(report_path).read_text(encoding="utf8"))
        loss = report["loss"]
        if report.get("model") != model or int(loss["requests"]) < MIN_HISTORY_REQUESTS:
            return None
        return Loss(float(loss["request_failure_share"]), float(loss["sentence_drop_share"]), int(loss["requests"]),
                    f"history: {Path(report_path).name} ({report.get('llm_api')} run, {int(loss['requests'])} requests)")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def starting_prior(report_path: Path, model: str) -> Loss:
    """The loss a first round is sized by before any answer: the last run of this model's, else DEFAULT_PRIOR."""
    return prior_from_report(report_path, model) or DEFAULT_PRIOR


def per_request_moments(loss: Loss, sentences_per_request: int) -> tuple:
    """Mean and variance of the sentences one request brings: nothing with the failure share, else each asked
    sentence accepted independently."""
    keep = 1 - loss.request_failure_share
    accept = 1 - loss.sentence_drop_share
    n = sentences_per_request
    mean = n * keep * accept
    second_moment = keep * (n * accept * (1 - accept) + (n * accept) ** 2)
    return mean, max(0.0, second_moment - mean ** 2)


@dataclass(frozen=True)
class RoundSize:
    requests: int                   # requests to send
    requests_needed: int            # requests the shortfall needs at the estimated loss, without a margin
    expected_sentences_per_request: float
    shortfall: int
    loss: Loss

    def to_json(self) -> dict:
        return {"shortfall": self.shortfall, "loss": self.loss.to_json(),
                "expected_sentences_per_request": round(self.expected_sentences_per_request, 4),
                "requests_needed": self.requests_needed, "margin_requests": self.requests - self.requests_needed,
                "requests": self.requests, "safety_z": SAFETY_Z}


def size_round(target: int, accepted: int, loss: Loss, sentences_per_request: int, z: float = SAFETY_Z) -> RoundSize:
    """Requests for the next round: the fewest n whose sentences reach the shortfall with z standard deviations
    to spare. The spread counts the round's own chance (n requests) and how unsure the loss is (measured on
    loss.requests requests): sd = sigma * sqrt(n + n^2 / loss.requests)."""
    spr = max(1, int(sentences_per_request))
    shortfall = max(0, target - accepted)
    mean, variance = per_request_moments(loss, spr)
    mean = max(mean, spr * MIN_YIELD_SHARE)
    if shortfall == 0:
        return RoundSize(0, 0, mean, 0, loss)
    needed = math.ceil(shortfall / mean)
    most = max(needed, math.ceil(math.ceil(shortfall / spr) / MIN_YIELD_SHARE))

    def enough(n: int) -> bool:
        spread = math.sqrt(variance * (n + n * n / max(1, loss.requests)))
        return n * mean - z * spread >= shortfall

    low, high = needed, most  # enough() is monotone once true; where even `most` is not enough, send `most`
    if not enough(high):
        return RoundSize(high, needed, mean, shortfall, loss)
    while low < high:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return RoundSize(low, needed, mean, shortfall, loss)


def describe(sizing: dict) -> str:
    """One line on how a batch round was sized (a record of batch.BatchRun's state)."""
    loss = sizing["loss"]
    return (f"round {sizing['round']}: {sizing['sent']} requests ({sizing['retried']} again, {sizing['new']} new) for "
            f"{sizing['shortfall']} sentences; {sizing['requests_needed']} needed at a loss of {loss['combined']:.0%} "
            f"({loss['request_failure_share']:.0%} of requests failed, {loss['sentence_drop_share']:.0%} of sentences "
            f"dropped; {loss['basis']}, {loss['requests']} requests), {sizing['margin_requests']} more to spare")
