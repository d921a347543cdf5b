"""LLM backend of the `generate` step: ask an OpenAI-compatible chat model for BIO-tagged sentences.

    python -m mountner generate-llm --n-sentences 2000 --output corpus/mountains.csv

Works with any OpenAI-compatible server: the client reads OPENAI_API_KEY and OPENAI_BASE_URL.
Each request asks for a few sentences about a mountain taken from a seeded cycle through the whole
gazetteer (or, for ~20% of requests, for negatives: no mountain, things named after mountains,
other proper names).  Answers are validated sentence by sentence (reasons counted), appended to
``raw_dir/openai.jsonl`` as they arrive, and a rerun resumes from that file.  The same requests can go
through the Batch API instead (``--llm-api batch``: half price, resumable through
``raw_dir/openai_batches.json``; each round sized by the loss measured so far), and ``--dry-run`` prints what
a run would send and cost.  Sentences beyond the target stay in the raw log (counted as the report's
``surplus``) for a later run that asks for more.

Public entry points: :func:`run`, :func:`cost.estimate`.  This file holds the run, its report and the CLI; the
rest of the backend is in request_plan.py (plan, messages, request body; the words are in prompts/),
live.py (the live path), batch.py (the Batch API path), rounds.py (the loss and how many requests a round
sends), answers.py (answer parsing and validation, the raw log), cost.py (prices and the dry run) and client.py
(errors and HTTP helpers).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import typer

from mountner.atomic_write import open_atomic
from mountner.data.bio import write_rows
from mountner.generation.llm.answers import DROP_REASONS, RAW_FILE_NAME, load_raw
from mountner.generation.llm.batch import BATCH_STATE_FILE_NAME, MAX_BATCH_ROUNDS, BatchRun, batch_poll_seconds, has_open_batches
from mountner.generation.llm.client import AuthError, GenerationError, redact, require_api_key
from mountner.generation.llm.cost import cost_usd, estimate, format_estimate
from mountner.generation.llm.live import LiveGenerator
from mountner.generation.llm.request_plan import GENERATE_PROMPT_VERSION, iter_plan, load_gazetteer
from mountner.generation.llm.rounds import Loss, describe, measure, starting_prior

REPORT_FILE_NAME = "openai_report.json"
DEFAULT_REPORT = Path("corpus/raw") / REPORT_FILE_NAME

LLM_APIS = ("live", "batch")
MAX_REQUEST_FACTOR = 4  # at most this many times the requests needed


def run(
    n_sentences: int,
    output: Path,
    raw_dir: Path,
    model: str = "gpt-4o-mini",
    concurrency: int = 8,
    sentences_per_request: int = 5,
    seed: int = 0,
    timeout: float = 60.0,
    max_retries: int = 4,
    mountains: Optional[List[str]] = None,
    report_path: Optional[Path] = None,
    *,
    other_names: Optional[List[Tuple[str, str]]] = None,
    progress: bool = True,
    llm_api: str = "live",
    batch_poll: Optional[float] = None,
    max_batch_rounds: int = MAX_BATCH_ROUNDS,
    real_prose: Sequence[dict] = (),
    loss_prior: Optional[Loss] = None,
) -> dict:
    """Generate (or resume generating) n_sentences tagged sentences; write output CSV and report JSON.
    real_prose: tagged rows of real text (generate's glosses and leads) written after the LLM's sentences.

    llm_api: "live" (chat requests under the concurrency limit) or "batch" (the Batch API at half price;
    batch_poll: first wait between polls, default MOUNTNER_BATCH_POLL_SECONDS or BATCH_POLL_SECONDS).
    loss_prior: the loss that sizes the first batch round (default: the one the last run of this model measured,
    as its report says, else rounds.DEFAULT_PRIOR).

    mountains: names to cycle through (default: the gazetteer, plus its other names as negatives).
    other_names: (name, kind) pairs for negative prompts; only used from the gazetteer when mountains is None.
    Raises GenerationError when OPENAI_API_KEY is unset (before anything is written), AuthError on 401/403,
    GenerationError when the server cannot be reached or the request budget runs out short of the target.
    The output CSV is written only when the target is reached; the report (what was asked, spent and
    dropped) is written either way. Both replace their old versions only once complete.
    """
    started = time.monotonic()
    if llm_api not in LLM_APIS:
        raise GenerationError(f"--llm-api must be one of {', '.join(LLM_APIS)}, not {llm_api!r}")
    output, raw_dir = Path(output), Path(raw_dir)
    report_path = Path(report_path) if report_path is not None else raw_dir / REPORT_FILE_NAME
    raw_path = raw_dir / RAW_FILE_NAME
    resumed = load_raw(raw_path)
    spr = max(1, int(sentences_per_request))
    remaining = max(0, n_sentences - len(resumed.sentences))
    if remaining > 0:
        require_api_key()
    if mountains is None:
        mountains, gazetteer_others = load_gazetteer()
        if other_names is None:
            other_names = gazetteer_others
    raw_dir.mkdir(parents=True, exist_ok=True)
    max_requests = MAX_REQUEST_FACTOR * max(1, math.ceil(remaining / spr))
    plan = iter_plan(mountains, seed, spr, other_names)

    gen = LiveGenerator(n_sentences=n_sentences, raw_path=raw_path, model=model, concurrency=concurrency,
                       timeout=timeout, max_retries=max_retries, plan=plan, resumed=resumed, progress=progress)
    error: Optional[GenerationError] = None
    batch: Optional[BatchRun] = None
    if llm_api == "live" and has_open_batches(raw_dir):
        print(f"note: {raw_dir / BATCH_STATE_FILE_NAME} lists batches not collected yet; rerun with --llm-api batch "
              "to collect them (they are paid for)", file=sys.stderr)
    if remaining > 0 or (llm_api == "batch" and has_open_batches(raw_dir)):
        try:
            if llm_api == "batch":
                # even with enough sentences, batches a killed run left open are collected (they are paid for)
                if remaining <= 0:
                    require_api_key()
                prior = loss_prior or starting_prior(report_path, model)
                batch = BatchRun(gen, plan, raw_dir, seed=seed, sentences_per_request=spr,
                                 max_requests=max_requests, max_rounds=max_batch_rounds, prior=prior,
                                 poll_seconds=batch_poll if batch_poll is not None else batch_poll_seconds())
                asyncio.run(batch.run())
            else:
                asyncio.run(gen.run(max_requests))
        except GenerationError as err:
            error = err
        if error is None and gen.fatal is not None:
            error = gen.fatal
        if error is None and gen.accepted_total < n_sentences:
            if batch is not None:
                summary = batch.summary()
                error = GenerationError(
                    f"batch: after {summary['rounds']} rounds ({summary['requests_submitted']} requests, "
                    f"{summary['requests_given_up']} given up) only {gen.accepted_total} of {n_sentences} sentences "
                    f"accepted; failures {dict(gen.failures)}, dropped {dict(gen.dropped)}. Check the model and "
                    "server; rerun to go on.")
            else:
                error = GenerationError(
                    f"gave up after {gen.requests} requests (the limit for this run is {max_requests}): only "
                    f"{gen.accepted_total} of {n_sentences} sentences accepted; failures {dict(gen.failures)}, "
                    f"dropped {dict(gen.dropped)}. Check the model and server; rerun to resume.")

    all_sentences = sorted(resumed.sentences + gen.new_sentences, key=lambda x: (x[0], x[1]))
    # A failed run leaves the old output as it was: what it did get is in the raw file, for the rerun.
    written = 0 if error is not None else write_rows(itertools.chain(({**s, "origin": "llm"} for _, _, s in all_sentences[:n_sentences]), real_prose), output)

    tokens_in_total = resumed.tokens_in + gen.tokens_in
    tokens_out_total = resumed.tokens_out + gen.tokens_out
    retries = max(0, gen.http_attempts - gen.api_calls)
    is_batch = llm_api == "batch"
    loss = measure(gen.requests_settled, gen.answers_usable, len(gen.new_sentences), spr)
    report = {
        "model": model,
        "prompt_version": GENERATE_PROMPT_VERSION,
        "llm_api": llm_api,
        "n_sentences": n_sentences,
        "sentences_per_request": spr,
        "concurrency": gen.concurrency,
        "seed": seed,
        "requests": gen.requests,
        "api_calls": gen.api_calls,
        "http_attempts": gen.http_attempts,
        "retries": retries,
        "retried_status": dict(gen.http_status),
        "failures": sum(gen.failures.values()),
        "failures_by_reason": dict(gen.failures),
        "connection_errors": gen.connection_errors,
        "accepted": len(all_sentences),
        "accepted_this_run": len(gen.new_sentences),
        "sentences_received": gen.sentences_received,
        "written": written,
        "surplus": max(0, len(all_sentences) - n_sentences),  # accepted beyond the target: kept in the raw log
        "dropped": {reason: gen.dropped.get(reason, 0) for reason in DROP_REASONS},
        "repaired": gen.repaired,
        "repaired_i_after_o": gen.repaired,
        "tokens_in": gen.tokens_in,
        "tokens_out": gen.tokens_out,
        "cost_usd": cost_usd(model, gen.tokens_in, gen.tokens_out, batch=is_batch),
        "tokens_in_total": tokens_in_total,
        "tokens_out_total": tokens_out_total,
        "cost_usd_total": cost_usd(model, tokens_in_total, tokens_out_total, batch=is_batch),  # at this run's price
        "response_format": gen.mode,
        "response_format_downgrades": gen.mode_downgrades,
        "max_requests": max_requests,
        "requests_settled": gen.requests_settled,
        "answers_usable": gen.answers_usable,
        "loss": loss.to_json() if loss is not None else None,  # this run's; the prior of the next batch run
        "resumed": {"lines": resumed.lines, "accepted": len(resumed.sentences),
                    "skipped_lines": resumed.skipped_lines, "duplicates_skipped": resumed.duplicates},
        "batch": batch.summary() if batch is not None else None,
        "raw_file": str(raw_path),
        "output": str(output),
        "wall_seconds": round(time.monotonic() - started, 3),
        "error": None if error is None else redact(str(error), gen.secret),
    }
    with open_atomic(report_path, "w", encoding="utf8") as f:
        f.write(json.dumps(report, indent=2) + "\n")
    if error is not None:
        raise error
    return report


# ------------------------------------------------------------------------------------------------ CLI
def run_and_report(*args, **kwargs) -> dict:
    """run(), with a one-line summary; 401/403 exit 3, other fatal errors exit 1, the key redacted."""
    try:
        report = run(*args, **kwargs)
    except GenerationError as err:
        typer.echo(f"error: {redact(str(err), os.environ.get('OPENAI_API_KEY'))}", err=True)
        raise typer.Exit(3 if isinstance(err, AuthError) else 1)
    summary = {k: report[k] for k in ("llm_api", "accepted", "written", "requests", "retries", "failures",
                                      "tokens_in", "tokens_out", "cost_usd", "wall_seconds")}
    if report["batch"] is not None:
        summary.update({k: report["batch"][k] for k in ("batches_created_this_run", "batches_resumed", "rounds",
                                                        "requests_submitted", "requests_given_up")})
        for sizing in report["batch"]["rounds_sized"]:
            typer.echo(f"batch {describe(sizing)}")
    summary["surplus"] = report["surplus"]
    typer.echo(json.dumps(summary))
    return report


def dry_run_and_report(n_sentences: int, raw_dir: Path, **kwargs) -> dict:
    """Print what a run would ask and cost; no API call, no key needed, nothing written."""
    model = kwargs.get("model", "gpt-4o-mini")
    loss = starting_prior(Path(raw_dir) / REPORT_FILE_NAME, model)
    result = estimate(n_sentences, raw_dir, loss=loss, **kwargs)
    typer.echo(format_estimate(result))
    return result


def main(
    n_sentences: int = typer.Option(1000, help="Sentences to reach (counting those already in the raw file)."),
    output: Path = typer.Option(Path("corpus/mountains.csv"), help="Word-row CSV to (re)build."),
    raw_dir: Path = typer.Option(Path("corpus/raw"), help=f"Folder of {RAW_FILE_NAME} (resume state)."),
    model: str = typer.Option("gpt-4o-mini"),
    concurrency: int = typer.Option(8, help="Requests in flight at most."),
    sentences_per_request: int = typer.Option(5),
    seed: int = typer.Option(0, help="Seed of the request plan."),
    timeout: float = typer.Option(60.0, help="Client timeout per HTTP attempt, seconds."),
    max_retries: int = typer.Option(4, help="The client's retries on 429/5xx/timeouts/connection errors."),
    mountains_file: Optional[Path] = typer.Option(None, help="Mountain names, one a line (default: the gazetteer)."),
    report_path: Optional[Path] = typer.Option(None, help=f"Report JSON (default: RAW_DIR/{REPORT_FILE_NAME})."),
    progress: bool = typer.Option(True, help="Show the progress bar."),
    llm_api: str = typer.Option("live", help="live: chat requests as they go; batch: the Batch API, half price, "
                                             "within 24 h (resumable: the batch ids are kept in RAW_DIR)."),
    dry_run: bool = typer.Option(False, help="Print the requests, tokens and cost (live and batch); send nothing."),
) -> None:
    """Generate BIO-tagged mountain sentences with an OpenAI-compatible chat model."""
    names = None
    if mountains_file is not None:
        names = [line.strip() for line in mountains_file.read_text(encoding="utf8").splitlines() if line.strip()]
    if dry_run:
        dry_run_and_report(n_sentences, raw_dir, model=model, sentences_per_request=sentences_per_request,
                           seed=seed, mountains=names)
        return
    run_and_report(n_sentences, output, raw_dir, model=model, concurrency=concurrency,
                   sentences_per_request=sentences_per_request, seed=seed, timeout=timeout,
                   max_retries=max_retries, mountains=names, report_path=report_path, progress=progress,
                   llm_api=llm_api)
