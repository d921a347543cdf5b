"""The answers of the local OpenAI-compatible server (openai_server.py), without the HTTP: chat
completions, faults, uploaded files and batches.

Chat answers are sentences built from the machine-readable marker lines of the prompt (``COUNT: <n>``,
``MOUNTAIN: <name>``, ``NEGATIVE: <name>``, ``PLAN: <index>``). Faults are chosen per HTTP attempt, either
from ``schedule`` (a list indexed by the arrival number of the attempt, ``None`` meaning a normal answer; or a
dict ``{attempt_number: fault}``) or at random from ``probabilities`` ({fault: p}, seeded).

A batch is ``validating`` on its first retrieve, ``in_progress`` for ``batch_in_progress_polls`` retrieves,
then ends as given by ``batch_outcomes`` (one per created batch, in order; default ``completed``):
``completed``, ``expired`` (the first half of its requests answered, the rest in the error file as
``batch_expired``) or ``failed`` (nothing answered). Each request line can carry a fault from
``batch_line_faults`` ({line number across all batches: fault}): ``500`` goes to the error file, the answer
faults (``malformed_json``, ``unknown_tag``, ...) to the output.  A batch that ``failed`` as a whole carries
its reason in ``errors``, as the real API's do.  ``GET /v1/batches`` lists them newest first (``limit``,
``after``), and ``on_batch_created`` (a callable given the new batch) runs before the client hears of it.

A ``fault_profile`` (a dict, or a name in FAULT_PROFILES) draws faults for chat requests and batch lines alike,
seeded by (seed, request, attempt) so that it does not depend on the order requests arrive in:
``{"request": {"500": p}, "answer": {"malformed_json": p}, "sentence": {"unknown_tag": p, "short_tags": p}}``
(one request fault, else one answer fault, then each sentence of the answer on its own).
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

LABEL = "MOUNTAIN"

# A cheap model on a bad day (issue 33): 1 request in 7 fails with a 500, 1 answer in 5 is not valid JSON, and
# some sentences come back with an unknown tag or one tag too few.
BAD_DAY = {"request": {"500": 1 / 7}, "answer": {"malformed_json": 1 / 5},
           "sentence": {"unknown_tag": 0.05, "short_tags": 0.05}}
FAULT_PROFILES = {"bad_day": BAD_DAY}

FAULTS = (
    "429",             # 429 with Retry-After: retry_after
    "500",             # 500 internal error
    "hang",            # sleep hang_seconds before answering (client should time out)
    "401",             # 401 invalid key (the message echoes the key, like the real API does)
    "403",             # 403 permission denied
    "malformed_json",  # content that is not JSON
    "unknown_tag",     # one tag is B-PEAK
    "short_tags",      # tags list one shorter than tokens
    "lower_tags",      # tags in lower case (should be normalised, not dropped)
    "i_after_o",       # the first mountain starts with I- (should be repaired)
    "untagged",        # the requested mountain is tagged O (should be dropped)
    "duplicate",       # every sentence repeats the text of the previous answer
    "missing_field",   # sentence objects lack "pos"
    "tokens_mismatch", # a token that is not in the text
    "empty",           # {"sentences": []}
)

_TEMPLATES = [
    ["{M}", "is", "one", "of", "the", "best-known", "summits", "of", "the", "region", ",",
     "surveyed", "again", "in", "{N}", "."],
    ["In", "{N}", ",", "a", "team", "of", "climbers", "reached", "the", "top", "of", "{M}", "."],
    ["Geologists", "sampled", "rocks", "from", "the", "flanks", "of", "{M}", "(", "site", "{N}", ")", "."],
    ["The", "guidebook", "lists", "{M}", "as", "route", "{N}", "for", "experienced", "hikers", "."],
]
_NEGATIVE_TEMPLATES = [
    ["The", "committee", "met", "on", "day", "{N}", "to", "discuss", "the", "new", "budget", "."],
    ["Hikers", "crossed", "the", "ridge", "and", "rested", "near", "the", "summit", "at", "hour", "{N}", "."],
    ["{X}", "announced", "{N}", "new", "jobs", "this", "week", "."],
]
_POS = {
    "is": "AUX", "one": "NUM", "of": "ADP", "the": "DET", "The": "DET", "a": "DET", "In": "ADP",
    "in": "ADP", "from": "ADP", "as": "ADP", "for": "ADP", "on": "ADP", "to": "PART", "at": "ADP",
    "near": "ADP", "and": "CCONJ", "this": "DET", ",": "PUNCT", ".": "PUNCT", "(": "PUNCT", ")": "PUNCT",
    "reached": "VERB", "sampled": "VERB", "lists": "VERB", "surveyed": "VERB", "met": "VERB",
    "discuss": "VERB", "crossed": "VERB", "rested": "VERB", "announced": "VERB", "again": "ADV",
    "best-known": "ADJ", "experienced": "ADJ", "new": "ADJ",
}


def _join(tokens: Sequence[str]) -> str:
    text = ""
    for token in tokens:
        if text and token not in {",", ".", ")"} and not text.endswith("("):
            text += " "
        text += token
    return text


class FakeOpenAI:
    """The fake API's state and answers: the faults to inject, the sentences answered, the files and batches."""

    def __init__(
        self,
        schedule: Union[Sequence[Optional[str]], Dict[int, str], None] = None,
        probabilities: Optional[Dict[str, float]] = None,
        seed: int = 0,
        fence_content: bool = False,
        batch_in_progress_polls: int = 1,
        batch_outcomes: Sequence[str] = (),
        batch_line_faults: Optional[Dict[int, str]] = None,
        fault_profile: Union[str, Dict[str, Dict[str, float]], None] = None,
    ):
        self.schedule = schedule
        self.seed = seed
        self.fault_profile = FAULT_PROFILES[fault_profile] if isinstance(fault_profile, str) else fault_profile
        self._profile_attempts: Dict[str, int] = {}
        self.on_batch_created: Optional[Callable[[dict], None]] = None
        self.probabilities = dict(probabilities or {})
        self.fence_content = fence_content
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self.sentence_counter = 0
        self._last_sentences: List[dict] = []
        self.batch_in_progress_polls = batch_in_progress_polls
        self.batch_outcomes = list(batch_outcomes)
        self.batch_line_faults = dict(batch_line_faults or {})
        self.files: Dict[str, dict] = {}      # id -> {"meta": file object, "content": bytes}
        self.batches: Dict[str, dict] = {}    # id -> {"batch": batch object, "polls": int, "outcome": str}
        self.batch_lines_total = 0
        self.uploads: List[bytes] = []        # every uploaded file's content, in order

    # ------------------------------------------------------------------ faults
    def _pick_fault(self, number: int) -> Optional[str]:
        if isinstance(self.schedule, dict):
            return self.schedule.get(number)
        if self.schedule is not None:
            return self.schedule[number] if number < len(self.schedule) else None
        for fault, p in self.probabilities.items():
            if self._rng.random() < p:
                return fault
        return None

    def profile_fault(self, key: str) -> Tuple[Optional[str], Optional[random.Random]]:
        """The fault_profile's draw for one attempt of the request `key` (a custom_id or PLAN marker): a request or
        answer fault, and the random source of its sentences' faults; (None, None) without a profile."""
        if not self.fault_profile:
            return None, None
        with self._lock:
            attempt = self._profile_attempts.get(key, 0)
            self._profile_attempts[key] = attempt + 1
        rng = random.Random(f"{self.seed}:{key}:{attempt}")
        for level in ("request", "answer"):
            for fault, p in self.fault_profile.get(level, {}).items():
                if rng.random() < p:
                    return fault, rng
        return None, rng

    def _sentence_fault(self, rng: Optional[random.Random]) -> Optional[str]:
        for fault, p in (self.fault_profile or {}).get("sentence", {}).items() if rng is not None else ():
            if rng.random() < p:
                return fault
        return None

    # ------------------------------------------------------------------ answers
    def _build_sentences(self, prompt: str, fault: Optional[str], rng: Optional[random.Random] = None) -> List[dict]:
        count = int((re.findall(r"^COUNT:\s*(\d+)\s*$", prompt, re.M) or ["1"])[0])
        mountains = [m.strip() for m in re.findall(r"^MOUNTAIN:\s*(.+?)\s*$", prompt, re.M)]
        negatives = [m.strip() for m in re.findall(r"^NEGATIVE:\s*(.+?)\s*$", prompt, re.M)]
        sentences = []
        for k in range(count):
            with self._lock:
                self.sentence_counter += 1
                number = str(1000 + self.sentence_counter)
            if mountains:
                name = mountains[k % len(mountains)]
                template = _TEMPLATES[(self.sentence_counter + k) % len(_TEMPLATES)]
                replacement = {"{M}": name.split()}
            else:
                template = _NEGATIVE_TEMPLATES[(self.sentence_counter + k) % len(_NEGATIVE_TEMPLATES)]
                other = negatives[k % len(negatives)] if negatives else "Acme Corporation"
                replacement = {"{X}": other.split()}
            tokens, pos, tags = [], [], []
            for slot in template:
                if slot == "{N}":
                    tokens.append(number)
                    pos.append("NUM")
                    tags.append("O")
                elif slot in replacement:
                    words = replacement[slot]
                    tokens += words
                    pos += ["PROPN"] * len(words)
                    if slot == "{M}":
                        tags += [f"B-{LABEL}"] + [f"I-{LABEL}"] * (len(words) - 1)
                    else:
                        tags += ["O"] * len(words)
                else:
                    tokens.append(slot)
                    pos.append(_POS.get(slot, "NOUN"))
                    tags.append("O")
            sentence = {"text": _join(tokens), "tokens": tokens, "pos": pos, "tags": tags}
            self._corrupt(sentence, fault or self._sentence_fault(rng))
            sentences.append(sentence)
        if fault == "duplicate" and self._last_sentences:
            # the previous answer again, with different spacing (still a duplicate once normalised)
            sentences = [dict(s, text=s["text"].replace(" ", "  ")) for s in self._last_sentences]
        elif fault != "duplicate":
            with self._lock:
                self._last_sentences = [json.loads(json.dumps(s)) for s in sentences]
        return sentences

    @staticmethod
    def _corrupt(sentence: dict, fault: Optional[str]) -> None:
        tags = sentence["tags"]
        entity = [i for i, t in enumerate(tags) if t != "O"]
        if fault == "unknown_tag":
            tags[entity[0] if entity else 0] = "B-PEAK"
        elif fault == "short_tags":
            tags.pop()
        elif fault == "lower_tags":
            sentence["tags"] = [t.lower() for t in tags]
        elif fault == "i_after_o" and entity:
            tags[entity[0]] = f"I-{LABEL}"
        elif fault == "untagged":
            sentence["tags"] = ["O"] * len(tags)
        elif fault == "missing_field":
            del sentence["pos"]
        elif fault == "tokens_mismatch":
            sentence["tokens"][0] = "Zzyzx"

    def completion(self, body: dict, fault: Optional[str], number: int, rng: Optional[random.Random] = None) -> dict:
        """A chat.completion object answering body (with an answer fault applied, if any; rng: the profile's
        random source for faults of single sentences)."""
        response_format = body.get("response_format") or {}
        content = self.content_for(body, fault, response_format.get("type", "text"), rng)
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        prompt_tokens = max(1, len(prompt) // 4)
        completion_tokens = max(1, len(content) // 4)
        return {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    # ------------------------------------------------------------------ batch API
    @property
    def batches_created(self) -> int:
        return len(self.batches)

    def add_file(self, content: bytes, filename: str, purpose: str) -> dict:
        with self._lock:
            file_id = f"file-fake-{len(self.files)}"
            meta = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                    "filename": filename, "purpose": purpose, "status": "processed"}
            self.files[file_id] = {"meta": meta, "content": content}
        return meta

    def create_batch(self, body: dict) -> dict:
        with self._lock:
            batch_id = f"batch_fake_{len(self.batches)}"
            outcome = self.batch_outcomes[len(self.batches)] if len(self.batches) < len(self.batch_outcomes) else "completed"
            lines = self.files.get(body.get("input_file_id"), {}).get("content", b"").decode("utf8").splitlines()
            batch = {"id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
                     "input_file_id": body.get("input_file_id"), "completion_window": body.get("completion_window"),
                     "status": "validating", "output_file_id": None, "error_file_id": None,
                     "created_at": int(time.time()), "metadata": body.get("metadata"),
                     "request_counts": {"total": len([x for x in lines if x.strip()]), "completed": 0, "failed": 0}}
            self.batches[batch_id] = {"batch": batch, "polls": 0, "outcome": outcome}
        if self.on_batch_created is not None:
            self.on_batch_created(batch)
        return batch

    def list_batches(self, limit: int = 20, after: Optional[str] = None) -> dict:
        """A page of batches, newest first, as GET /v1/batches answers."""
        with self._lock:
            ordered = [self.retrieve_batch(batch_id, poll=False) for batch_id in reversed(list(self.batches))]
        start = next((k + 1 for k, b in enumerate(ordered) if b["id"] == after), 0) if after else 0
        page = ordered[start:start + max(1, limit)]
        return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None, "has_more": start + len(page) < len(ordered)}

    def retrieve_batch(self, batch_id: str, poll: bool = True) -> Optional[dict]:
        """The batch object; poll: the retrieve moves it on (in progress, then done), as time would."""
        with self._lock:
            entry = self.batches.get(batch_id)
            if entry is None:
                return None
            batch = entry["batch"]
            if poll and batch["status"] in ("validating", "in_progress"):
                entry["polls"] += 1
                if entry["polls"] <= self.batch_in_progress_polls:
                    batch["status"] = "in_progress"
                    batch["request_counts"]["completed"] = min(entry["polls"], batch["request_counts"]["total"])
                else:
                    self._finish_batch(entry)
            return json.loads(json.dumps(batch))

    def _finish_batch(self, entry: dict) -> None:
        """Answer every request line of the batch (called with the lock held) and write its files."""
        batch, outcome = entry["batch"], entry["outcome"]
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]]["content"].decode("utf8").splitlines() if x.strip()]
        if outcome == "failed":
            batch.update(status="failed", failed_at=int(time.time()), errors={"object": "list", "data": [
                {"code": "invalid_request", "message": "fake failure: the input file is not valid", "line": 1}]})
            batch["request_counts"].update(completed=0, failed=0)
            return
        answered = len(lines) if outcome != "expired" else len(lines) // 2
        output, errors = [], []
        for k, line in enumerate(lines):
            number = self.batch_lines_total
            self.batch_lines_total += 1
            custom_id = line.get("custom_id")
            fault, rng = self.profile_fault(str(custom_id))
            fault = self.batch_line_faults.get(number, fault)
            if k >= answered:
                errors.append({"id": f"batch_req_{number}", "custom_id": custom_id, "response": None,
                               "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
            elif fault in ("500", "429"):  # (the lock is re-entrant: completion() takes it again)
                errors.append({"id": f"batch_req_{number}", "custom_id": custom_id, "error": None,
                               "response": {"status_code": int(fault), "request_id": f"req_{number}",
                                            "body": {"error": {"message": "internal error", "type": "server_error"}}}})
            else:
                body = self.completion(line.get("body") or {}, fault, number, rng)
                output.append({"id": f"batch_req_{number}", "custom_id": custom_id, "error": None,
                               "response": {"status_code": 200, "request_id": f"req_{number}", "body": body}})
        for kind, records in (("output_file_id", output), ("error_file_id", errors)):
            if records:
                content = "".join(json.dumps(r) + "\n" for r in records).encode("utf8")
                file_id = f"file-fake-{len(self.files)}"
                self.files[file_id] = {"meta": {"id": file_id, "object": "file", "bytes": len(content),
                                                "created_at": int(time.time()), "filename": f"{kind}.jsonl",
                                                "purpose": "batch_output", "status": "processed"},
                                       "content": content}
                batch[kind] = file_id
        batch["status"] = "expired" if outcome == "expired" else "completed"
        batch["request_counts"].update(completed=len(output), failed=len(errors))

    def content_for(self, body: dict, fault: Optional[str], mode: str, rng: Optional[random.Random] = None) -> str:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
        if fault == "malformed_json":
            return '{"sentences": [{"text": "Mount Everest is'
        sentences = [] if fault == "empty" else self._build_sentences(prompt, fault, rng)
        content = json.dumps({"sentences": sentences}, ensure_ascii=False)
        if mode == "text" or self.fence_content:
            content = "Here are the sentences:\n```json\n" + content + "\n```\n"
        return content
