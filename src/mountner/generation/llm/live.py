"""The live path of the LLM backend: asynchronous chat requests under a concurrency limit, each answer
validated (answers.py) and appended to the raw log as it arrives, with a progress bar.

It has no rounds to size (rounds.py sizes the batch path's): it launches one request at a time while the
answers in flight may still fall short, re-reading the acceptance rate after every answer, so it tops up until
the target or its request limit.  It counts the requests settled and the usable answers, so that the report
gives its loss (the prior of a later batch run)."""
from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from typing import List, Optional, Tuple

import openai  # (imported up front: its first import costs ~0.4 s)
from tqdm import tqdm

from mountner.generation.llm.answers import RawState, answer_sentences, ensure_newline_at_end, extract_json, validate_answer
from mountner.generation.llm.client import CONNECT_FAILURES_BEFORE_GIVING_UP, GenerationError, auth_error, redact, server_unreachable, watched_client
from mountner.generation.llm.request_plan import MODE_ORDER, PlanItem, request_body

PROGRESS_REFRESH_SECONDS = 0.1


class LiveGenerator:
    """The state of a generation run and its live path: chat requests under the concurrency limit, each answer
    validated and appended to the raw log. The batch path (batch.BatchRun) shares its client, counters and
    record_answer."""

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
        self.requests_settled = 0     # requests answered or failed for good (the loss is measured on them)
        self.answers_usable = 0       # answers that held JSON sentences

    # -- client -----------------------------------------------------------------------------------
    def make_client(self):
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
                self.request_failed("timeout")
                return
            except openai.APIConnectionError:
                self.request_failed("connection_error")
                return
            except openai.APIStatusError as err:
                self.request_failed(f"http_{err.status_code}")
                return
            except openai.OpenAIError as err:
                self.request_failed(type(err).__name__)
                return
            except Exception as err:  # noqa: BLE001 - one bad request must not kill the run (the budget bounds it)
                self.request_failed(f"error_{type(err).__name__}")
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

    def request_failed(self, reason: str) -> None:
        """A request that got no answer for good (live or batch alike)."""
        self.failures[reason] += 1
        self.requests_settled += 1

    def record_answer(self, item: PlanItem, content: Optional[str], mode: str, raw_file, *, usage: Tuple,
                      request_id: Optional[str], model: Optional[str]) -> Optional[int]:
        """Validate one answer (live or batch alike), count it, and append it to the raw log; the number of
        sentences accepted, or None where the answer holds no JSON sentences."""
        prompt_tokens, completion_tokens = (int(x or 0) for x in usage)
        self.tokens_in += prompt_tokens
        self.tokens_out += completion_tokens
        self.answered.add(item.index)
        sentences = answer_sentences(extract_json(content))
        if sentences is None:
            self.request_failed("malformed_json")
            return None
        self.requests_settled += 1
        self.answers_usable += 1
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
        return len(accepted)

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
        client = self.make_client()
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
