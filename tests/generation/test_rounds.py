"""How many requests a round of the LLM backend sends (mountner.generation.llm.rounds), without a server; the
rounds through the local server are in test_generate_batch.py."""
from __future__ import annotations

import json
import math
import random

import pytest

from mountner.generation.llm import rounds
from mountner.generation.llm.cost import estimate, format_estimate
from mountner.generation.llm.rounds import DEFAULT_PRIOR, NO_LOSS, Loss, measure, prior_from_report, size_round

# The loss of issue 33's bad day (mountner.testing.fake_openai.BAD_DAY): 1 request in 7 fails with a 500, 1
# answer in 5 of the others is not JSON, and 1 sentence in 10 has an unknown tag or one tag too few.
BAD_DAY_FAILURE = 1 - (6 / 7) * (4 / 5)
BAD_DAY_DROP = 0.10


def test_without_loss_a_round_asks_for_exactly_the_shortfall():
    assert size_round(104, 0, NO_LOSS, 5).requests == 21
    assert size_round(104, 100, NO_LOSS, 5).requests == 1
    assert size_round(104, 104, NO_LOSS, 5).requests == 0 and size_round(104, 130, NO_LOSS, 5).requests == 0


def test_the_round_is_the_fewest_requests_that_reach_the_shortfall_with_the_margin():
    sized = size_round(104, 0, DEFAULT_PRIOR, 5)
    assert sized.requests_needed == math.ceil(104 / DEFAULT_PRIOR.sentences_per_request(5)) == 31
    assert sized.requests > sized.requests_needed
    mean, variance = rounds.per_request_moments(DEFAULT_PRIOR, 5)

    def lower_bound(n: int) -> float:
        return n * mean - rounds.SAFETY_Z * math.sqrt(variance * (n + n * n / DEFAULT_PRIOR.requests))

    assert lower_bound(sized.requests) >= 104 > lower_bound(sized.requests - 1)
    assert sized.to_json()["margin_requests"] == sized.requests - sized.requests_needed


def test_more_loss_or_a_less_certain_loss_asks_for_more():
    base = size_round(500, 0, Loss(0.1, 0.1, 50, "measured"), 5).requests
    assert size_round(500, 0, Loss(0.3, 0.1, 50, "measured"), 5).requests > base
    assert size_round(500, 0, Loss(0.1, 0.3, 50, "measured"), 5).requests > base
    assert size_round(500, 0, Loss(0.1, 0.1, 5, "measured"), 5).requests > base
    assert size_round(500, 0, Loss(0.1, 0.1, 5000, "measured"), 5).requests < base


def test_a_loss_beyond_the_floor_is_not_sized_for():
    everything_lost = Loss(1.0, 0.0, 40, "measured")
    assert size_round(100, 0, everything_lost, 5).requests == math.ceil(100 / (5 * rounds.MIN_YIELD_SHARE)) == 80


def test_measure_splits_failed_requests_from_dropped_sentences():
    loss = measure(settled=40, usable=30, accepted=120, sentences_per_request=5)
    assert loss.request_failure_share == pytest.approx(0.25) and loss.sentence_drop_share == pytest.approx(0.2)
    assert loss.sentences_per_request(5) == pytest.approx(120 / 40)
    assert loss.combined == pytest.approx(1 - 120 / 200) and loss.requests == 40
    assert measure(0, 0, 0, 5) is None
    assert measure(10, 0, 0, 5).request_failure_share == 1.0
    assert measure(10, 10, 60, 5).sentence_drop_share == 0.0  # more sentences than asked: no negative loss


def test_the_prior_comes_from_an_earlier_run_of_the_same_model(tmp_path):
    path = tmp_path / "openai_report.json"
    assert prior_from_report(path, "gpt-4o-mini") is None
    loss = {"request_failure_share": 0.3, "sentence_drop_share": 0.1, "requests": 40}
    path.write_text(json.dumps({"model": "gpt-4o-mini", "llm_api": "live", "loss": loss}))
    prior = prior_from_report(path, "gpt-4o-mini")
    assert (prior.request_failure_share, prior.sentence_drop_share, prior.requests) == (0.3, 0.1, 40)
    assert prior.basis == "history: openai_report.json (live run, 40 requests)"
    assert prior_from_report(path, "another-model") is None
    path.write_text(json.dumps({"model": "gpt-4o-mini", "loss": dict(loss, requests=rounds.MIN_HISTORY_REQUESTS - 1)}))
    assert prior_from_report(path, "gpt-4o-mini") is None
    path.write_text("{not json")
    assert prior_from_report(path, "gpt-4o-mini") is None


def simulate(target: int, spr: int, failure: float, drop: float, rng: random.Random, max_rounds: int = 3):
    """Batch rounds as batch.BatchRun sizes them, each request failing or its sentences dropped at random:
    (rounds, requests sent, sentences accepted, requests settled)."""
    accepted = settled = usable = sent = 0
    for round_ in range(1, max_rounds + 1):
        loss = measure(settled, usable, accepted, spr) or DEFAULT_PRIOR
        n = size_round(target, accepted, loss, spr).requests
        for _ in range(n):
            settled += 1
            if rng.random() >= failure:
                usable += 1
                accepted += sum(rng.random() >= drop for _ in range(spr))
        sent += n
        if accepted >= target:
            return round_, sent, accepted, settled
    return max_rounds + 1, sent, accepted, settled


def test_on_a_bad_day_one_round_usually_suffices_within_the_request_bound():
    """The issue's scenario, 400 times over without a server: 104 sentences, 5 a request."""
    rng = random.Random(33)
    results = [simulate(104, 5, BAD_DAY_FAILURE, BAD_DAY_DROP, rng) for _ in range(400)]
    one_round = sum(r == 1 for r, *_ in results) / len(results)
    assert one_round >= 0.9, one_round
    assert all(r <= 2 for r, *_ in results)  # the prior's 32% loss is within 10 points of the bad day's 38%
    # sent / the requests the target needs at the loss measured in the run: over 1.5 only where a lucky run
    # lost far less than the prior said (the first round is sized before any answer)
    ratios = [sent / (104 / (accepted / settled)) for _, sent, accepted, settled in results]
    assert sum(ratios) / len(ratios) < 1.25 and sum(r <= 1.5 for r in ratios) / len(ratios) >= 0.98


def test_describe_says_how_a_round_was_sized():
    sized = size_round(104, 0, DEFAULT_PRIOR, 5)
    record = {"round": 1, **sized.to_json(), "retried": 0, "new": sized.requests, "sent": sized.requests}
    line = rounds.describe(record)
    assert line.startswith(f"round 1: {sized.requests} requests (0 again, {sized.requests} new) for 104 sentences")
    assert "loss of 32% (15% of requests failed, 20% of sentences dropped; default prior, 20 requests)" in line


def test_the_dry_run_prices_the_expected_loss_and_the_first_batch_round(tmp_path):
    plain = estimate(200, tmp_path, mountains=["Ben Nevis"], other_names=[])
    priced = estimate(200, tmp_path, mountains=["Ben Nevis"], other_names=[], loss=DEFAULT_PRIOR)
    assert plain["at_expected_loss"] is None and plain["requests"] == priced["requests"] == 40
    at_loss = priced["at_expected_loss"]
    assert at_loss["requests_expected"] == size_round(200, 0, DEFAULT_PRIOR, 5).requests_needed > 40
    assert at_loss["batch_first_round"] == size_round(200, 0, DEFAULT_PRIOR, 5).requests >= at_loss["requests_expected"]
    assert at_loss["cost_usd_live"] > priced["cost_usd_live"]
    assert f"first round sends {at_loss['batch_first_round']}" in format_estimate(priced)
