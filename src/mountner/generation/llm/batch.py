"""The Batch API path of the LLM backend (``--llm-api batch``): write the plan as batch input files,
upload them, create batches, poll, collect the answers (validated like the live path's) and, where the target
is not reached, send another round: what failed or expired again, plus new requests, as many as rounds.py
sizes for the shortfall at the loss measured so far.  Every upload is recorded in raw_dir/openai_batches.json
before its batch is created, and the batch's id the moment it exists: where a run was killed before saving
the id, the restart finds the batch by its input file (``batches.list``) instead of creating a second one.
A batch the provider rejects as a whole (status ``failed``) stops the run with its reason."""
from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import openai
from tqdm import tqdm

from mountner.atomic_write import open_atomic
from mountner.generation.llm.answers import ensure_newline_at_end
from mountner.generation.llm.client import GenerationError, auth_error, redact
from mountner.generation.llm.request_plan import PlanItem, request_body
from mountner.generation.llm.rounds import Loss, RoundSize, measure, size_round

BATCH_STATE_FILE_NAME = "openai_batches.json"
# The Batch API's limits per batch (https://platform.openai.com/docs/guides/batch): requests and input file size.
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
MAX_BATCH_ROUNDS = 3              # the first round, then at most two more (each sized by rounds.size_round)
BATCH_POLL_SECONDS = 30.0         # first wait between polls; MOUNTNER_BATCH_POLL_SECONDS overrides it (tests)
BATCH_POLL_MAX_SECONDS = 600.0    # the wait grows by half each poll up to this
BATCH_FINAL_STATES = ("completed", "failed", "expired", "cancelled")
NOT_RUN_CODES = ("batch_expired", "batch_cancelled")  # error lines of requests the provider never ran
LOOKUP_SLACK_SECONDS = 86400      # batches.list is read back to a day before the upload (clocks may differ)


def batch_poll_seconds() -> float:
    value = os.environ.get("MOUNTNER_BATCH_POLL_SECONDS")
    try:
        return max(0.01, float(value)) if value else BATCH_POLL_SECONDS
    except ValueError:
        raise GenerationError(f"MOUNTNER_BATCH_POLL_SECONDS must be a number of seconds, not {value!r}") from None


def batch_line(model: str, item: PlanItem, mode: str) -> str:
    """One line of a batch input file: the same request body as the live path sends."""
    return json.dumps({"custom_id": f"plan-{item.index}", "method": "POST", "url": "/v1/chat/completions",
                       "body": request_body(model, item, mode)}, ensure_ascii=False)


def split_batches(lines: Sequence[str], max_requests: int, max_bytes: int) -> List[List[int]]:
    """Positions of lines grouped into batches within the per-batch request and byte limits."""
    groups, current, size = [], [], 0
    for position, line in enumerate(lines):
        length = len(line.encode("utf8")) + 1
        if current and (len(current) >= max_requests or size + length > max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append(position)
        size += length
    if current:
        groups.append(current)
    return groups


def describe_error(error) -> str:
    """One error of a batch rejected as a whole: its code, message and input line."""
    code, message, line = (getattr(error, key, None) for key in ("code", "message", "line"))
    text = ": ".join(str(x) for x in (code, message) if x) or str(error)
    return f"{text} (input line {line})" if line is not None else text


def rejected_message(batches: Sequence[dict]) -> str:
    """Why the run stops: the provider rejected these batches as a whole (so another round would be too)."""
    parts = [f"{b['id']} ({b.get('input_file')}, {len(b['plan_indices'])} requests): "
             f"{'; '.join(b.get('errors') or ['no reason given'])}" for b in batches]
    return ("batch: rejected as a whole by the provider, none of its requests ran: " + " | ".join(parts)
            + ". Nothing more is sent; fix the cause and rerun (the rejected batch is not resubmitted).")


def has_open_batches(raw_dir: Path) -> bool:
    """Whether raw_dir records a batch not yet collected (an unreadable record counts: BatchRun says why)."""
    path = Path(raw_dir) / BATCH_STATE_FILE_NAME
    if not path.exists():
        return False
    try:
        return any(not b.get("collected") for b in json.loads(path.read_text(encoding="utf8"))["batches"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return True


class BatchRun:
    """The Batch API path: submit the plan as batches, wait, validate the answers like the live path.

    Every upload is recorded in raw_dir/openai_batches.json before its batch is created, and the batch's id the
    moment it exists, so a restarted run waits for (and collects) the same batches instead of paying twice.
    gen is the run's live.LiveGenerator: its client, counters and record_answer are shared.
    prior: the loss that sizes the first round, before any answer has been measured.
    """

    def __init__(self, gen, plan: Iterator[PlanItem], raw_dir: Path, *, seed: int, sentences_per_request: int,
                 max_requests: int, max_rounds: int, poll_seconds: float, prior: Loss):
        self.gen, self.plan, self.raw_dir, self.prior = gen, plan, raw_dir, prior
        self.plan_items: List[PlanItem] = []
        self.spr, self.max_requests, self.max_rounds, self.poll_seconds = (
            sentences_per_request, max_requests, max_rounds, poll_seconds)
        self.state_path = raw_dir / BATCH_STATE_FILE_NAME
        self.submitted = 0            # requests submitted by this run
        self.created: List[str] = []  # batch ids created by this run
        self.adopted: List[str] = []  # batch ids a killed run created but did not save, found again by this run
        self.resumed_batches = 0
        self.state = self._load_state(seed)
        # max_rounds bounds this run's rounds: a rerun after a run that gave up goes on
        self.rounds_before = max((b["round"] for b in self.state["batches"]), default=0)

    # -- state ---------------------------------------------------------------------------------------
    def _load_state(self, seed: int) -> dict:
        settings = {"model": self.gen.model, "seed": seed, "sentences_per_request": self.spr}
        if not self.state_path.exists():
            return {**settings, "batches": [], "rounds": []}
        try:
            state = json.loads(self.state_path.read_text(encoding="utf8"))
            batches = state["batches"]
            assert isinstance(batches, list)
        except (ValueError, KeyError, AssertionError, TypeError):
            raise GenerationError(f"{self.state_path}: unreadable batch record; move it away to start over "
                                  "(batches it listed may still be running: see the provider's dashboard)") from None
        for key, value in settings.items():
            if state.get(key) != value:
                raise GenerationError(f"{self.state_path}: its batches were made with {key} {state.get(key)!r}, "
                                      f"not {value!r}; use the same settings or another --raw-dir")
        self.resumed_batches = sum(not b.get("collected") for b in batches)
        state.setdefault("rounds", [])  # how each round was sized (records written before that existed lack it)
        return state

    def _save_state(self) -> None:
        with open_atomic(self.state_path, "w", encoding="utf8") as f:
            f.write(json.dumps(self.state, indent=1) + "\n")

    def item(self, index: int) -> PlanItem:
        while len(self.plan_items) <= index:
            self.plan_items.append(next(self.plan))
        return self.plan_items[index]

    # -- API calls -----------------------------------------------------------------------------------
    async def _api(self, what: str, awaitable):
        """One API call (the client retries 429/5xx/connection errors itself); errors become one clear line."""
        self.gen.api_calls += 1
        try:
            return await awaitable
        except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
            raise auth_error(err.status_code) from None
        except (openai.APIConnectionError, openai.APITimeoutError) as err:
            raise self.gen.fatal or GenerationError(
                f"batch: {what}: cannot reach {self.gen.base_url} ({type(err).__name__}); rerun to resume") from None
        except openai.APIStatusError as err:
            raise GenerationError(f"batch: {what}: HTTP {err.status_code} from {self.gen.base_url} "
                                  f"({redact(str(err.message), self.gen.secret)[:200]}); rerun to resume") from None

    async def run(self) -> None:
        client = self.gen.make_client()
        self.gen.running.add(asyncio.current_task())  # an unreachable server cancels this task at once
        try:
            while True:
                for record in [b for b in self.state["batches"] if not b.get("id")]:
                    await self._create_batch(client, record, look_up=True)  # uploaded by a run killed before its id was saved
                open_batches = [b for b in self.state["batches"] if not b.get("collected")]
                if open_batches:
                    await self._wait(client, open_batches)
                    for batch in open_batches:
                        if batch["status"] in BATCH_FINAL_STATES:
                            await self._collect(client, batch)
                    rejected = [b for b in open_batches if b["status"] == "failed"]
                    if rejected:
                        raise GenerationError(rejected_message(rejected))
                    continue
                indices, round_, sizing = self._next_round()
                if not indices:
                    return
                await self._submit(client, indices, round_, sizing)
        except asyncio.CancelledError:
            if self.gen.fatal is None:
                raise
            raise self.gen.fatal from None
        finally:
            self.gen.running.discard(asyncio.current_task())
            await client.close()

    def measured_loss(self) -> Optional[Loss]:
        """The loss of every collected batch of this raw_dir (its record keeps the outcome across restarts)."""
        outcomes = [b["outcome"] for b in self.state["batches"] if b.get("outcome")]
        return measure(sum(o["settled"] for o in outcomes), sum(o["usable"] for o in outcomes),
                       sum(o["accepted"] for o in outcomes), self.spr)

    def _next_round(self) -> Tuple[List[int], int, dict]:
        """Plan indices for the next round, and how it was sized: as many requests as rounds.size_round asks for,
        first those never answered (again, at most max_rounds times each), then new ones (the plan continued)."""
        gen, batches = self.gen, self.state["batches"]
        rounds = max((b["round"] for b in batches), default=0)
        if gen.accepted_total >= gen.n_sentences or rounds - self.rounds_before >= self.max_rounds:
            return [], rounds, {}
        attempts = Counter(i for b in batches for i in b["plan_indices"])
        sized: RoundSize = size_round(gen.n_sentences, gen.accepted_total, self.measured_loss() or self.prior, self.spr)
        budget = max(0, self.max_requests - self.submitted)
        sending = min(budget, sized.requests)
        retry = [i for i in sorted(attempts) if i not in gen.answered and attempts[i] < self.max_rounds][:sending]
        wanted = sending - len(retry)
        new, index = [], 0
        while len(new) < wanted:
            if index not in attempts and index not in gen.answered:
                new.append(index)
            index += 1
        sizing = {"round": rounds + 1, "target": gen.n_sentences, "accepted_before": gen.accepted_total,
                  **sized.to_json(), "budget_left": budget, "retried": len(retry), "new": len(new), "sent": 0}
        return retry + new, rounds + 1, sizing

    async def _submit(self, client, indices: List[int], round_: int, sizing: dict) -> None:
        mode = self.gen.mode
        lines = [batch_line(self.gen.model, self.item(i), mode) for i in indices]
        self.state["rounds"].append(sizing)
        for group in split_batches(lines, MAX_BATCH_REQUESTS, MAX_BATCH_BYTES):
            number = len(self.state["batches"])
            input_path = self.raw_dir / f"batch_input_{number:03d}.jsonl"
            content = "".join(lines[p] + "\n" for p in group)
            with open_atomic(input_path, "w", encoding="utf8") as f:
                f.write(content)
            uploaded = await self._api(f"upload {input_path.name}", client.files.create(
                file=(input_path.name, content.encode("utf8"), "application/jsonl"), purpose="batch"))
            record = {"id": None, "input_file_id": uploaded.id, "input_file": input_path.name, "round": round_,
                      "response_format": mode, "plan_indices": [indices[p] for p in group], "status": "uploaded",
                      "uploaded_at": int(time.time()), "request_counts": {}, "collected": False}
            self.state["batches"].append(record)
            sizing["sent"] += len(group)
            self._save_state()  # before the batch exists: a run killed from here on finds it again by its input file
            self.submitted += len(group)
            self.gen.requests += len(group)
            await self._create_batch(client, record, look_up=False)

    async def _create_batch(self, client, record: dict, *, look_up: bool) -> None:
        """Create the batch of an uploaded input file, or (look_up) adopt the one a killed run created for it."""
        found = await self._find_batch(client, record) if look_up else None
        if found is None:
            found = await self._api("create batch", client.batches.create(
                input_file_id=record["input_file_id"], endpoint="/v1/chat/completions", completion_window="24h",
                metadata={"project": "mountner", "round": str(record["round"]), "input_file": record["input_file"]}))
            self.created.append(found.id)
        else:
            self.adopted.append(found.id)
        self._update(record, found)
        self._save_state()  # at once: a restart resumes this batch instead of paying twice

    async def _find_batch(self, client, record: dict):
        """The provider's batch for the record's input file (newest first, back to a day before the upload)."""
        oldest = int(record.get("uploaded_at") or 0) - LOOKUP_SLACK_SECONDS
        page = await self._api("list batches", client.batches.list(limit=100))
        while True:
            for batch in page.data:
                if batch.input_file_id == record["input_file_id"]:
                    return batch
                if (batch.created_at or 0) < oldest:
                    return None
            if not page.has_next_page():
                return None
            page = await self._api("list batches", page.get_next_page())

    def _update(self, batch: dict, found) -> None:
        """Copy the provider's batch object into its record: status, files, counts and any errors."""
        counts = getattr(found, "request_counts", None)
        batch.update(id=found.id, status=found.status, output_file_id=found.output_file_id, error_file_id=found.error_file_id,
                     request_counts={"completed": int(getattr(counts, "completed", 0) or 0),
                                     "failed": int(getattr(counts, "failed", 0) or 0)})
        errors = getattr(getattr(found, "errors", None), "data", None) or []
        if errors:
            batch["errors"] = [redact(describe_error(e), self.gen.secret)[:200] for e in errors[:5]]

    async def _wait(self, client, batches: List[dict]) -> None:
        """Poll until every batch has ended (or one was rejected as a whole), waiting longer each time; the bar
        counts finished requests."""
        total = sum(len(b["plan_indices"]) for b in batches)
        interval = self.poll_seconds
        bar = tqdm(total=total, unit="req", desc="batch", disable=not self.gen.progress, dynamic_ncols=True)
        try:
            while True:
                for batch in batches:
                    if batch["status"] in BATCH_FINAL_STATES:
                        continue
                    self._update(batch, await self._api(f"retrieve {batch['id']}", client.batches.retrieve(batch["id"])))
                self._save_state()
                completed = sum(b["request_counts"].get("completed", 0) for b in batches)
                failed = sum(b["request_counts"].get("failed", 0) for b in batches)
                bar.n = min(total, completed + failed)
                bar.set_postfix(completed=completed, failed=failed,
                                status="/".join(sorted({b["status"] for b in batches})), refresh=False)
                bar.refresh()
                if all(b["status"] in BATCH_FINAL_STATES for b in batches) or any(b["status"] == "failed" for b in batches):
                    return
                await asyncio.sleep(interval)
                interval = min(interval * 1.5, BATCH_POLL_MAX_SECONDS)
        finally:
            bar.close()

    async def _collect(self, client, batch: dict) -> None:
        """Download a finished batch's output and error files; record each answer as the live path does."""
        gen = self.gen
        lines = []
        for key, suffix in (("output_file_id", "output"), ("error_file_id", "errors")):
            file_id = batch.get(key)
            if not file_id:
                continue
            content = await self._api(f"download {file_id}", client.files.content(file_id))
            text = content.content.decode("utf8", errors="replace")
            with open_atomic(self.raw_dir / f"{batch['id']}_{suffix}.jsonl", "w", encoding="utf8") as f:
                f.write(text)
            lines += text.splitlines()
        expected, seen = set(batch["plan_indices"]), set()
        outcome = Counter(settled=0, usable=0, accepted=0)  # what the loss of later rounds is measured on
        ensure_newline_at_end(gen.raw_path)
        with gen.raw_path.open("a", encoding="utf8") as raw_file:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    index = int(str(record["custom_id"]).removeprefix("plan-"))
                except (ValueError, KeyError, TypeError):
                    gen.failures["batch_unreadable_line"] += 1
                    continue
                if index not in expected or index in seen or index in gen.answered:
                    continue  # not ours, a repeat, or recorded before a restart
                seen.add(index)
                response = record.get("response") or {}
                body = response.get("body") if isinstance(response, dict) else None
                if isinstance(response, dict) and response.get("status_code") == 200 and isinstance(body, dict):
                    try:
                        content = body["choices"][0]["message"]["content"]
                    except (KeyError, IndexError, TypeError):
                        content = None
                    usage = body.get("usage") or {}
                    accepted = gen.record_answer(self.item(index), content, batch.get("response_format", gen.mode), raw_file,
                                                 usage=(usage.get("prompt_tokens"), usage.get("completion_tokens")),
                                                 request_id=body.get("id"), model=body.get("model"))
                    outcome.update(settled=1, usable=accepted is not None, accepted=accepted or 0)
                    continue
                status = response.get("status_code") if isinstance(response, dict) else None
                error = record.get("error") if isinstance(record.get("error"), dict) else {}
                reason = str(error.get("code") or (f"http_{status}" if status else "batch_error"))
                if reason in NOT_RUN_CODES:
                    gen.failures[reason] += 1  # never ran: no measure of the model's loss
                else:
                    gen.request_failed(reason)
                    outcome["settled"] += 1
                if status in (400, 422):  # as the live path: the server may not support the response_format
                    gen.step_down_from(batch.get("response_format", gen.mode))
        missing = expected - seen - gen.answered
        if missing:  # a failed batch answers nothing; count its requests once
            gen.failures[f"batch_{batch['status']}"] += len(missing)
        batch["outcome"] = dict(outcome)
        batch["collected"] = True
        self._save_state()

    def summary(self) -> dict:
        batches = self.state["batches"]
        attempts = Counter(i for b in batches for i in b["plan_indices"])
        unanswered = [i for i in attempts if i not in self.gen.answered]
        reached = self.gen.accepted_total >= self.gen.n_sentences
        return {
            "batches": [{k: b.get(k) for k in ("id", "round", "status", "request_counts", "errors")}
                        | {"requests": len(b["plan_indices"])} for b in batches],
            "batches_created_this_run": len(self.created),
            "batches_resumed": self.resumed_batches,
            "batches_found_again": len(self.adopted),
            "rounds": max((b["round"] for b in batches), default=0),
            "rounds_sized": self.state["rounds"],
            "loss_measured": loss.to_json() if (loss := self.measured_loss()) else None,
            "requests_submitted": sum(attempts.values()),
            "requests_unique": len(attempts),
            "requests_answered": sum(1 for i in attempts if i in self.gen.answered),
            "requests_resubmitted": sum(n - 1 for n in attempts.values()),
            # unanswered requests: given up where the run fell short, not needed where it reached the target
            "requests_given_up": 0 if reached else len(unanswered),
            "requests_not_needed": len(unanswered) if reached else 0,
        }
