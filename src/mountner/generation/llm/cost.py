"""What generating costs: the prices, the cost of a run's tokens (its report) and the dry run's estimate of a
run before it is made (requests, tokens, cost live and batch), with no API call."""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import List, Optional, Tuple

from mountner.generation.llm.answers import RAW_FILE_NAME, load_raw
from mountner.generation.llm.request_plan import iter_plan, load_gazetteer, request_body
from mountner.generation.llm.rounds import Loss, size_round

# USD per 1M tokens (input, output); unknown models get a null cost. The Batch API costs half.
PRICES_PER_MILLION = {"gpt-4o-mini": (0.15, 0.60)}
BATCH_PRICE_FACTOR = 0.5


def cost_usd(model: str, tokens_in: int, tokens_out: int, batch: bool = False) -> Optional[float]:
    """Estimated USD for the tokens (the Batch API at BATCH_PRICE_FACTOR of the price); None if unknown."""
    for name, (price_in, price_out) in PRICES_PER_MILLION.items():
        if model == name or model.startswith(name + "-20"):
            factor = BATCH_PRICE_FACTOR if batch else 1.0
            return round((tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6) * factor, 6)
    return None


# Output tokens per sentence when the raw log has no answers to measure: the answer repeats each of a
# sentence's ~22 words in "tokens", "pos" and "tags" as quoted JSON strings (~3 tokens each), plus its text.
OUTPUT_TOKENS_PER_SENTENCE_GUESS = 220
CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and JSON with the OpenAI tokenizers


def estimate(n_sentences: int, raw_dir: Path, model: str = "gpt-4o-mini", sentences_per_request: int = 5,
             seed: int = 0, mountains: Optional[List[str]] = None,
             other_names: Optional[List[Tuple[str, str]]] = None, loss: Optional[Loss] = None) -> dict:
    """Requests, tokens and cost (live and batch) of generating what the raw log does not hold yet.

    Input tokens are counted from the very prompts the run would send; output tokens from the answers
    already in the raw log where there are any, else from OUTPUT_TOKENS_PER_SENTENCE_GUESS. With `loss` (the
    prior a batch run would size its first round by), also what the run should send at that loss, and the
    first batch round's size with its safety margin. No API call.
    """
    raw_path = Path(raw_dir) / RAW_FILE_NAME
    resumed = load_raw(raw_path)
    spr = max(1, int(sentences_per_request))
    remaining = max(0, n_sentences - len(resumed.sentences))
    n_requests = math.ceil(remaining / spr)
    if mountains is None and n_requests:
        mountains, gazetteer_others = load_gazetteer()
        other_names = gazetteer_others if other_names is None else other_names
    plan = (item for item in iter_plan(mountains or ["-"], seed, spr, other_names) if item.index not in resumed.done)
    prompt_chars = sum(len(json.dumps(request_body(model, item, "json_schema"), ensure_ascii=False))
                       for item in itertools.islice(plan, n_requests))
    tokens_in = math.ceil(prompt_chars / CHARS_PER_TOKEN)
    if resumed.lines and resumed.tokens_out:
        per_request, basis = resumed.tokens_out / resumed.lines, f"the mean of {resumed.lines} answers in {raw_path}"
    else:
        per_request = OUTPUT_TOKENS_PER_SENTENCE_GUESS * spr
        basis = f"a guess of {OUTPUT_TOKENS_PER_SENTENCE_GUESS} per sentence; no answers in {raw_path} yet"
    tokens_out = math.ceil(per_request * n_requests)
    at_loss = None
    if loss is not None and n_requests:
        sized = size_round(n_sentences, len(resumed.sentences), loss, spr)
        scale = sized.requests_needed / n_requests  # the extra requests ask the same kind of prompts
        at_loss = {"loss": loss.to_json(), "requests_expected": sized.requests_needed, "batch_first_round": sized.requests,
                   "cost_usd_live": cost_usd(model, math.ceil(tokens_in * scale), math.ceil(tokens_out * scale)),
                   "cost_usd_batch": cost_usd(model, math.ceil(tokens_in * scale), math.ceil(tokens_out * scale), batch=True)}
    return {
        "model": model, "n_sentences": n_sentences, "already_in_raw_log": len(resumed.sentences),
        "remaining": remaining, "sentences_per_request": spr, "requests": n_requests,
        "tokens_in": tokens_in, "tokens_out": tokens_out, "tokens_out_basis": basis,
        "cost_usd_live": cost_usd(model, tokens_in, tokens_out),
        "cost_usd_batch": cost_usd(model, tokens_in, tokens_out, batch=True),
        "at_expected_loss": at_loss,
    }


def format_estimate(e: dict) -> str:
    def usd(value: Optional[float]) -> str:
        return f"${value:,.2f}" if value is not None else f"unknown (no price for {e['model']} in PRICES_PER_MILLION)"

    return "\n".join([
        "dry run: no request sent, nothing written",
        f"sentences: {e['n_sentences']:,} wanted, {e['already_in_raw_log']:,} already in the raw log, "
        f"{e['remaining']:,} to generate",
        f"requests: {e['requests']:,} ({e['sentences_per_request']} sentences each, if no request failed and "
        "no sentence were dropped)",
        f"input tokens: ~{e['tokens_in']:,} (the prompts themselves, {CHARS_PER_TOKEN} characters a token)",
        f"output tokens: ~{e['tokens_out']:,} ({e['tokens_out_basis']})",
        f"cost with {e['model']}: live ~{usd(e['cost_usd_live'])}, batch ~{usd(e['cost_usd_batch'])} "
        "(the Batch API costs half)",
    ] + ([] if not e.get("at_expected_loss") else [
        f"at the expected loss ({e['at_expected_loss']['loss']['combined']:.0%} of sentences, {e['at_expected_loss']['loss']['basis']}): "
        f"~{e['at_expected_loss']['requests_expected']:,} requests, live ~{usd(e['at_expected_loss']['cost_usd_live'])}, "
        f"batch ~{usd(e['at_expected_loss']['cost_usd_batch'])}; a batch run's first round sends "
        f"{e['at_expected_loss']['batch_first_round']:,} (with its safety margin)",
    ]))
