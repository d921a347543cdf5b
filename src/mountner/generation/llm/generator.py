"""LLM backend of the `generate` step: ask an OpenAI-compatible chat model for BIO-tagged sentences.

    python scripts/generate_openai.py --n-sentences 2000 --output corpus/mountains.csv

Works with any OpenAI-compatible server: the client reads OPENAI_API_KEY and OPENAI_BASE_URL.
Each request asks for a few sentences about a mountain taken from a seeded cycle through the whole
gazetteer (or, for ~20% of requests, for negatives: no mountain, things named after mountains,
other proper names).  Answers are validated sentence by sentence (reasons counted), appended to
``raw_dir/openai.jsonl`` as they arrive, and a rerun resumes from that file.  The same requests can go
through the Batch API instead (``--llm-api batch``: half price, resumable through
``raw_dir/openai_batches.json``), and ``--dry-run`` prints what a run would send and cost.

Public entry points: :func:`run`, :func:`estimate`.  This file holds the live path (async chat requests
under a concurrency limit), the run and its report, the dry run and the CLI; the rest of the backend is in
openai_requests.py (plan, prompts, request body), openai_answers.py (answer parsing and validation, the
raw log), openai_batch.py (the Batch API path) and openai_client.py (errors and HTTP helpers).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import openai  # (imported up front: its first import costs ~0.4 s)
import typer

from mountner.atomic_write import open_atomic
from mountner.data.bio import write_rows
from mountner.generation.llm.answers import DROP_REASONS, RAW_FILE_NAME, RawState, answer_sentences, ensure_newline_at_end, extract_json, load_raw, validate_answer
from mountner.generation.llm.batch import BATCH_STATE_FILE_NAME, MAX_BATCH_ROUNDS, BatchRun, batch_poll_seconds, has_open_batches
from mountner.generation.llm.client import AuthError, GenerationError, auth_error, redact, require_api_key, server_unreachable, watched_client
from mountner.generation.llm.request_plan import MODE_ORDER, PlanItem, iter_plan, request_body
from mountner.data.sentence_record import clean_names

REPORT_FILE_NAME = "openai_report.json"
DEFAULT_REPORT = Path("corpus/raw") / REPORT_FILE_NAME

# USD per 1M tokens (input, output); unknown models get a null cost. The Batch API costs half.
PRICES_PER_MILLION = {"gpt-4o-mini": (0.15, 0.60)}
BATCH_PRICE_FACTOR = 0.5

LLM_APIS = ("live", "batch")
MAX_REQUEST_FACTOR = 4  # at most this many times the requests needed
# Connection attempts that may fail, while the server has never answered, before the run stops: enough to ride
# out a blip, few enough (with the client's backoff) to stop within seconds when nothing listens at the URL.
CONNECT_FAILURES_BEFORE_GIVING_UP = 4
PROGRESS_REFRESH_SECONDS = 0.1


def cost_usd(model: str, tokens_in: int, tokens_out: int, batch: bool = False) -> Optional[float]:
    """Estimated USD for the tokens (the Batch API at BATCH_PRICE_FACTOR of the price); None if unknown."""
    for name, (price_in, price_out) in PRICES_PER_MILLION.items():
        if model == name or model.startswith(name + "-20"):
            factor = BATCH_PRICE_FACTOR if batch else 1.0
            return round((tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6) * factor, 6)
    return None


# ------------------------------------------------------------------------------------------ live path
class _Generator:
    def __init__(self, *, n_sentences, raw_path, model, concurrency, timeout, max_retries, plan, resumed,
                 progress):
        self.n_sentences = n_sentences
        self.raw_path = raw_path
        self.model = model
        self.concurrency = max(1, int(concurrency))
        self.timeout = timeout
        self.max_retries = max_retries
        self.plan = plan
        self.resumed: RawState = resumed
        self.seen = set(resumed.seen)
        self.accepted_total = len(resumed.sentences)
        self.new_sentences: List[Tuple[int, int, dict]] = []
        self.mode = "json_schema"
        self.mode_downgrades: List[str] = []
        self.requests = 0          # plan items launched this run
        self.api_calls = 0         # chat.completions.create calls (a response_format fallback is a new call)
        self.http_attempts = 0     # HTTP requests sent (calls + the client's retries)
        self.http_status = Counter()
        self.failures = Counter()
        self.dropped = Counter()
        self.repaired = 0
        self.tokens_in = 0
        self.tokens_out = 0
        self.completed = 0
        self.sentences_asked_done = 0
        self.in_flight = 0
        self.plan_count = 1
        self.fatal: Optional[GenerationError] = None
        self.progress = progress
        self.bar = None
        self._bar_refreshed = 0.0
        self.secret = os.environ.get("OPENAI_API_KEY")
        self.responses = 0            # HTTP responses of any status: the server is reachable
        self.connection_errors = 0    # connection attempts that failed (each retry counts)
        self.base_url = ""
        self.running: set = set()     # worker tasks, so that a fatal error can stop them at once
        self.answered: set = set(resumed.done)  # plan indices with an answer in the raw log
        self.sentences_received = 0   # sentences in parseable answers: accepted + dropped

    # -- client -----------------------------------------------------------------------------------
    def _make_client(self):
        async def on_request(request):
            self.http_attempts += 1

        async def on_response(response):
            self.responses += 1
            if response.status_code == 429 or response.status_code >= 500:
                self.http_status[str(response.status_code)] += 1

        client, self.base_url = watched_client(timeout=self.timeout, max_retries=self.max_retries, concurrency=self.concurrency,
                                               on_connection_failure=self._on_connection_failure,
                                               event_hooks={"request": [on_request], "response": [on_response]})
        return client

    def _on_connection_failure(self, err: Exception) -> None:
        self.connection_errors += 1
        if self.responses == 0 and self.connection_errors >= CONNECT_FAILURES_BEFORE_GIVING_UP and self.fatal is None:
            self.fatal = server_unreachable(self.base_url, self.connection_errors, type(err).__name__)
            for task in self.running:  # stop waiting out the retries of requests that cannot succeed
                task.cancel()

    async def _call(self, client, item: PlanItem):
        while True:
            mode = self.mode
            self.api_calls += 1
            try:
                response = await client.chat.completions.create(**request_body(self.model, item, mode))
                return response, mode
            except (openai.BadRequestError, openai.UnprocessableEntityError):
                if mode == "text":
                    raise
                self.step_down_from(mode)

    def step_down_from(self, mode: str) -> None:
        """The server refused a response_format: the first request to notice steps down for everyone."""
        if self.mode == mode and mode != "text":
            self.mode = MODE_ORDER[MODE_ORDER.index(mode) + 1]
            self.mode_downgrades.append(f"{mode}->{self.mode}")

    # -- one request --------------------------------------------------------------------------------
    async def _worker(self, client, item: PlanItem, sem: asyncio.Semaphore, raw_file) -> None:
        self.running.add(asyncio.current_task())
        try:
            try:
                response, mode = await self._call(client, item)
            except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
                if self.fatal is None:
                    self.fatal = auth_error(err.status_code)
                return
            except openai.APITimeoutError:
                self.failures["timeout"] += 1
                return
            except openai.APIConnectionError:
                self.failures["connection_error"] += 1
                return
            except openai.APIStatusError as err:
                self.failures[f"http_{err.status_code}"] += 1
                return
            except openai.OpenAIError as err:
                self.failures[type(err).__name__] += 1
                return
            except Exception as err:  # noqa: BLE001 - one bad request must not kill the run (the budget bounds it)
                self.failures[f"error_{type(err).__name__}"] += 1
                return
            try:
                self._handle_response(item, response, mode, raw_file)
            except Exception as err:  # noqa: BLE001 - e.g. the raw file cannot be written: stop, lose nothing
                if self.fatal is None:
                    self.fatal = GenerationError(
                        f"cannot record an answer in {self.raw_path}: {type(err).__name__}: "
                        f"{redact(str(err), self.secret)}")
        finally:
            self.running.discard(asyncio.current_task())
            self.in_flight -= 1
            self.completed += 1
            self.sentences_asked_done += item.count
            sem.release()
            self._refresh_bar()

    def _handle_response(self, item: PlanItem, response, mode: str, raw_file) -> None:
        usage = getattr(response, "usage", None)
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        self.record_answer(item, content, mode, raw_file, usage=(getattr(usage, "prompt_tokens", 0),
                           getattr(usage, "completion_tokens", 0)),
                           request_id=getattr(response, "id", None), model=getattr(response, "model", None))

    def record_answer(self, item: PlanItem, content: Optional[str], mode: str, raw_file, *, usage: Tuple,
                      request_id: Optional[str], model: Optional[str]) -> None:
        """Validate one answer (live or batch alike), count it, and append it to the raw log."""
        prompt_tokens, completion_tokens = (int(x or 0) for x in usage)
        self.tokens_in += prompt_tokens
        self.tokens_out += completion_tokens
        self.answered.add(item.index)
        sentences = answer_sentences(extract_json(content))
        if sentences is None:
            self.failures["malformed_json"] += 1
            return
        self.sentences_received += len(sentences)
        requested = item.mountains if item.kind == "mountain" else ()
        # validation and the duplicate set update run without an await: safe under concurrency
        accepted, dropped, repaired, rejected = validate_answer(sentences, requested, self.seen)
        self.dropped.update(dropped)
        self.repaired += repaired
        record = {
            "plan_index": item.index,
            "request_id": request_id,
            "model": model or self.model,
            "requested_model": self.model,
            "response_format": mode,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
            "plan": item.to_json(),
            "sentences": accepted,
            "repaired": repaired,
            "dropped": dict(dropped),
            "rejected": rejected,
        }
        raw_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        raw_file.flush()
        for position, sentence in enumerate(accepted):
            self.new_sentences.append((item.index, position, sentence))
        self.accepted_total += len(accepted)
        if self.bar is not None:
            self.bar.update(len(accepted))

    def _refresh_bar(self, force: bool = False) -> None:
        if self.bar is None:
            return
        self.bar.set_postfix(accepted=self.accepted_total, dropped=sum(self.dropped.values()),
                             failed=sum(self.failures.values()), requests=self.requests,
                             tokens=self.tokens_in + self.tokens_out, refresh=False)
        # The bar only redraws itself when sentences are accepted: redraw here too (at most every 0.1 s), so that
        # a run whose requests all fail shows it.
        now = time.monotonic()
        if force or now - self._bar_refreshed >= PROGRESS_REFRESH_SECONDS:
            self._bar_refreshed = now
            self.bar.refresh()

    # -- the loop -----------------------------------------------------------------------------------
    def _expected_pending(self) -> float:
        """Sentences the in-flight requests will probably add (observed acceptance rate)."""
        prior = 2 * self.plan_count  # as if two fully accepted answers had been seen: early failures don't flood
        rate = (len(self.new_sentences) + prior) / (self.sentences_asked_done + prior)
        return self.in_flight * self.plan_count * rate

    async def run(self, max_requests: int) -> None:
        from tqdm import tqdm

        client = self._make_client()
        sem = asyncio.Semaphore(self.concurrency)
        tasks: set = set()
        plan_iter = (item for item in self.plan if item.index not in self.resumed.done)
        ensure_newline_at_end(self.raw_path)
        self.bar = tqdm(total=self.n_sentences, initial=min(self.accepted_total, self.n_sentences), unit="sent",
                        desc="openai", disable=not self.progress, dynamic_ncols=True)
        try:
            with self.raw_path.open("a", encoding="utf8") as raw_file:
                while self.fatal is None and self.accepted_total < self.n_sentences and self.requests < max_requests:
                    if tasks and self.accepted_total + self._expected_pending() >= self.n_sentences:
                        _, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    await sem.acquire()
                    if self.fatal is not None or self.accepted_total >= self.n_sentences or (
                            tasks and self.accepted_total + self._expected_pending() >= self.n_sentences):
                        sem.release()
                        continue
                    item = next(plan_iter)
                    self.plan_count = item.count
                    self.requests += 1
                    self.in_flight += 1  # counted at launch so that _expected_pending sees it at once
                    task = asyncio.create_task(self._worker(client, item, sem, raw_file))
                    tasks.add(task)
                    tasks = {t for t in tasks if not t.done()}
                    self._refresh_bar()
                while tasks:
                    if self.fatal is not None:
                        for task in tasks:
                            task.cancel()
                        await asyncio.gather(*tasks, return_exceptions=True)
                        break
                    _, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._refresh_bar(force=True)
            self.bar.close()
            await client.close()


# ------------------------------------------------------------------------------------------------ run
def _load_gazetteer() -> Tuple[List[str], List[Tuple[str, str]]]:
    from mountner.data import gazetteer  # written alongside; imported lazily so tests need not load the big files

    names = clean_names(gazetteer.load_mountains()["name"].tolist())
    try:
        others_df = gazetteer.load_other_names()
        others = list(zip(others_df["name"].astype(str), others_df["kind"].astype(str)))
    except Exception:  # the negatives just go without examples
        others = []
    return names, others


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
) -> dict:
    """Generate (or resume generating) n_sentences tagged sentences; write output CSV and report JSON.
    real_prose: tagged rows of real text (generate's glosses and leads) written after the LLM's sentences.

    llm_api: "live" (chat requests under the concurrency limit) or "batch" (the Batch API at half price;
    batch_poll: first wait between polls, default MOUNTNER_BATCH_POLL_SECONDS or BATCH_POLL_SECONDS).

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
        mountains, gazetteer_others = _load_gazetteer()
        if other_names is None:
            other_names = gazetteer_others
    raw_dir.mkdir(parents=True, exist_ok=True)
    max_requests = MAX_REQUEST_FACTOR * max(1, math.ceil(remaining / spr))
    plan = iter_plan(mountains, seed, spr, other_names)

    gen = _Generator(n_sentences=n_sentences, raw_path=raw_path, model=model, concurrency=concurrency,
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
                batch = BatchRun(gen, plan, raw_dir, seed=seed, sentences_per_request=spr,
                                  max_requests=max_requests, max_rounds=max_batch_rounds,
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
    report = {
        "model": model,
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


# -------------------------------------------------------------------------------------------- dry run
# Output tokens per sentence when the raw log has no answers to measure: the answer repeats each of a
# sentence's ~22 words in "tokens", "pos" and "tags" as quoted JSON strings (~3 tokens each), plus its text.
OUTPUT_TOKENS_PER_SENTENCE_GUESS = 220
CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and JSON with the OpenAI tokenizers


def estimate(n_sentences: int, raw_dir: Path, model: str = "gpt-4o-mini", sentences_per_request: int = 5,
             seed: int = 0, mountains: Optional[List[str]] = None,
             other_names: Optional[List[Tuple[str, str]]] = None) -> dict:
    """Requests, tokens and cost (live and batch) of generating what the raw log does not hold yet.

    Input tokens are counted from the very prompts the run would send; output tokens from the answers
    already in the raw log where there are any, else from OUTPUT_TOKENS_PER_SENTENCE_GUESS. No API call.
    """
    raw_path = Path(raw_dir) / RAW_FILE_NAME
    resumed = load_raw(raw_path)
    spr = max(1, int(sentences_per_request))
    remaining = max(0, n_sentences - len(resumed.sentences))
    n_requests = math.ceil(remaining / spr)
    if mountains is None and n_requests:
        mountains, gazetteer_others = _load_gazetteer()
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
    return {
        "model": model, "n_sentences": n_sentences, "already_in_raw_log": len(resumed.sentences),
        "remaining": remaining, "sentences_per_request": spr, "requests": n_requests,
        "tokens_in": tokens_in, "tokens_out": tokens_out, "tokens_out_basis": basis,
        "cost_usd_live": cost_usd(model, tokens_in, tokens_out),
        "cost_usd_batch": cost_usd(model, tokens_in, tokens_out, batch=True),
    }


def format_estimate(e: dict) -> str:
    def usd(value: Optional[float]) -> str:
        return f"${value:,.2f}" if value is not None else f"unknown (no price for {e['model']} in PRICES_PER_MILLION)"

    return "\n".join([
        "dry run: no request sent, nothing written",
        f"sentences: {e['n_sentences']:,} wanted, {e['already_in_raw_log']:,} already in the raw log, "
        f"{e['remaining']:,} to generate",
        f"requests: {e['requests']:,} ({e['sentences_per_request']} sentences each; dropped sentences and failed "
        "requests add a few more)",
        f"input tokens: ~{e['tokens_in']:,} (the prompts themselves, {CHARS_PER_TOKEN} characters a token)",
        f"output tokens: ~{e['tokens_out']:,} ({e['tokens_out_basis']})",
        f"cost with {e['model']}: live ~{usd(e['cost_usd_live'])}, batch ~{usd(e['cost_usd_batch'])} "
        "(the Batch API costs half)",
    ])


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
                                                        "requests_given_up")})
    typer.echo(json.dumps(summary))
    return report


def dry_run_and_report(n_sentences: int, raw_dir: Path, **kwargs) -> dict:
    """Print what a run would ask and cost; no API call, no key needed, nothing written."""
    result = estimate(n_sentences, raw_dir, **kwargs)
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
