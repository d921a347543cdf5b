"""LLM backend of the `generate` step: ask an OpenAI-compatible chat model for BIO-tagged sentences.

    python scripts/generate_openai.py --n-sentences 2000 --output corpus/mountains.csv

Works with any OpenAI-compatible server: the client reads OPENAI_API_KEY and OPENAI_BASE_URL.
Each request asks for a few sentences about a mountain taken from a seeded cycle through the whole
gazetteer (or, for ~20% of requests, for negatives: no mountain, things named after mountains,
other proper names).  Answers are validated sentence by sentence (reasons counted), appended to
``raw_dir/openai.jsonl`` as they arrive, and a rerun resumes from that file.  The same requests can go
through the Batch API instead (``--llm-api batch``: half price, resumable through
``raw_dir/openai_batches.json``), and ``--dry-run`` prints what a run would send and cost.

Public entry points: :func:`run`, :func:`estimate`.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple

import openai  # (imported up front: its first import costs ~0.4 s)

from atomic_write import open_atomic
from bio import LABEL, LABEL_GUIDELINE, TAGS, normalise_tag, repair_bio, write_rows

RAW_FILE_NAME = "openai.jsonl"
REPORT_FILE_NAME = "openai_report.json"
DEFAULT_REPORT = Path("corpus/raw") / REPORT_FILE_NAME

# USD per 1M tokens (input, output); unknown models get a null cost. The Batch API costs half.
PRICES_PER_MILLION = {"gpt-4o-mini": (0.15, 0.60)}
BATCH_PRICE_FACTOR = 0.5

LLM_APIS = ("live", "batch")
NEGATIVE_SHARE = 0.2
MAX_REQUEST_FACTOR = 4  # at most this many times the requests needed
# Connection attempts that may fail, while the server has never answered, before the run stops: enough to ride
# out a blip, few enough (with the client's backoff) to stop within seconds when nothing listens at the URL.
CONNECT_FAILURES_BEFORE_GIVING_UP = 4
PROGRESS_REFRESH_SECONDS = 0.1

DROP_REASONS = (
    "malformed", "unknown_tag", "length_mismatch", "tokens_mismatch_text",
    "requested_mountain_untagged", "duplicate",
)

STYLES = {
    "encyclopedia": "a neutral encyclopedia article",
    "news": "a news report",
    "travel": "a travel guide or travel blog",
    "climbing": "a climbing or mountaineering expedition report",
    "geology": "a geology or volcanology text",
    "history": "a history text",
}

SHAPES = {
    "plain": "Mention the mountain anywhere in the sentence.",
    "first": "Start each sentence with the mountain name (or with 'The' followed by it where English needs the article).",
    "last": "End each sentence with the mountain name, just before the final punctuation.",
    "parenthesis": "Put a parenthesis in each sentence next to the mountain, e.g. its height, an alternative name "
                   "or its country, like 'X (4,478 m)' or 'Y (also called Z)'.",
    "several": "Mention several mountains in each sentence (all the names given, and you may add other real mountains).",
    "list": "Write each sentence around a list of mountains (commas and 'and'), using the names given and possibly "
            "other real ones.",
}
MULTI_SHAPES = ("several", "list")

NEGATIVES = {
    "no_mountain": "None of the sentences may contain the name of a mountain. Use generic words instead where it fits "
                   "(the mountain, the summit, the peak, the slopes, the range, the volcano): they are tagged O.",
    "named_after_mountain": "Each sentence must mention something that is NAMED AFTER a mountain but is not a mountain "
                            "(a hospital, company, brand, product, ship, street, estate, beer, camera...), and no real "
                            "mountain. Such names are NOT mountains: every tag is O.",
    "other_proper_names": "Each sentence must contain proper names that are not mountains (cities, rivers, lakes, "
                          "people, organisations, national parks) and no mountain name: every tag is O.",
}

SYSTEM_PROMPT = f"""\
You write training data for a named-entity recogniser with one label, {LABEL}.

Label guideline:
{LABEL_GUIDELINE}

Tags (BIO): B-{LABEL} on the first token of a mountain name, I-{LABEL} on each following token of the same
name, O on every other token.

Answer with JSON only, of this shape:
{{"sentences": [{{"text": "...", "tokens": ["..."], "pos": ["..."], "tags": ["..."]}}]}}
- text: one natural, fluent English sentence; vary vocabulary, length and structure; facts must be plausible.
- tokens: the words and punctuation of text, in order, so that joining them rebuilds text apart from spaces.
  Split punctuation and the possessive 's off into their own tokens ("Kilimanjaro", "'s").
- pos: the Universal Dependencies UPOS tag of each token (PROPN, NOUN, VERB, ADJ, ADP, DET, NUM, PUNCT, ...).
- tags: one of O, B-{LABEL}, I-{LABEL} for each token.
tokens, pos and tags must have exactly the same length. The lines in CAPITALS at the end of the request
(PLAN, COUNT, MOUNTAIN, NEGATIVE) are bookkeeping for the request: follow them, do not copy them."""

ANSWER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sentences"],
    "properties": {
        "sentences": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "tokens", "pos", "tags"],
                "properties": {
                    "text": {"type": "string"},
                    "tokens": {"type": "array", "items": {"type": "string"}},
                    "pos": {"type": "array", "items": {"type": "string"}},
                    "tags": {"type": "array", "items": {"type": "string", "enum": list(TAGS)}},
                },
            },
        }
    },
}

RESPONSE_FORMATS = {
    "json_schema": {"type": "json_schema",
                    "json_schema": {"name": "ner_sentences", "strict": True, "schema": ANSWER_SCHEMA}},
    "json_object": {"type": "json_object"},
    "text": None,
}
MODE_ORDER = ("json_schema", "json_object", "text")


class GenerationError(RuntimeError):
    """The run cannot go on or did not reach its target (message is safe to print)."""


class AuthError(GenerationError):
    """The server rejected the API key (401/403)."""


# --------------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class PlanItem:
    index: int
    kind: str                      # "mountain" or "negative"
    style: str
    shape: str                     # a SHAPES key, or a NEGATIVES key for negatives
    count: int
    mountains: Tuple[str, ...] = ()
    negative_names: Tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"kind": self.kind, "style": self.style, "shape": self.shape, "count": self.count,
                "mountains": list(self.mountains), "negative_names": list(self.negative_names)}


class _Cycle:
    """Endless seeded shuffle of a list: each pass visits every element once, then reshuffles."""

    def __init__(self, items: Sequence[str], rng: random.Random):
        self.items, self.rng, self.order, self.pos = list(items), rng, [], 0

    def next(self) -> str:
        if self.pos >= len(self.order):
            self.order = list(self.items)
            self.rng.shuffle(self.order)
            self.pos = 0
        self.pos += 1
        return self.order[self.pos - 1]


def _clean_names(names: Iterable[object]) -> List[str]:
    cleaned = {" ".join(str(n).split()) for n in names if n is not None and str(n).strip() and str(n) != "nan"}
    return sorted(cleaned)


def iter_plan(
    mountains: Sequence[str],
    seed: int = 0,
    sentences_per_request: int = 5,
    other_names: Optional[Sequence[Tuple[str, str]]] = None,
) -> Iterator[PlanItem]:
    """The endless, deterministic request plan: item i depends only on (names, seed, i).

    Mountains come from a seeded cycle through all names (no replacement within a pass);
    about NEGATIVE_SHARE of the items ask for negatives.
    """
    names = _clean_names(mountains)
    if not names:
        raise GenerationError("the gazetteer has no mountain names")
    rng = random.Random(seed)
    cycle = _Cycle(names, random.Random(rng.random()))
    others = [(" ".join(str(n).split()), str(k)) for n, k in (other_names or []) if str(n).strip()]
    named_after = _clean_names(n for n, k in others if k == "named_after_mountain")
    proper = _clean_names(n for n, k in others if k != "named_after_mountain")
    named_cycle = _Cycle(named_after, random.Random(rng.random())) if named_after else None
    proper_cycle = _Cycle(proper, random.Random(rng.random())) if proper else None
    styles, shapes, negatives = list(STYLES), list(SHAPES), list(NEGATIVES)
    count = max(1, int(sentences_per_request))
    for index in itertools.count():
        style = rng.choice(styles)
        if rng.random() < NEGATIVE_SHARE:
            shape = rng.choice(negatives)
            picked: Tuple[str, ...] = ()
            if shape == "named_after_mountain" and named_cycle:
                picked = tuple(dict.fromkeys(named_cycle.next() for _ in range(min(count, len(named_after)))))
            elif shape == "other_proper_names" and proper_cycle:
                picked = tuple(dict.fromkeys(proper_cycle.next() for _ in range(min(count, len(proper)))))
            yield PlanItem(index, "negative", style, shape, count, (), picked)
        else:
            shape = rng.choice(shapes)
            n_names = (rng.randint(2, 3) if shape in MULTI_SHAPES else 1)
            picked = tuple(dict.fromkeys(cycle.next() for _ in range(min(n_names, len(names)))))
            yield PlanItem(index, "mountain", style, shape, count, picked, ())


def build_plan(mountains: Sequence[str], n_requests: int, seed: int = 0, sentences_per_request: int = 5,
               other_names: Optional[Sequence[Tuple[str, str]]] = None) -> List[PlanItem]:
    """The first n_requests items of :func:`iter_plan`."""
    return list(itertools.islice(iter_plan(mountains, seed, sentences_per_request, other_names), n_requests))


def build_messages(item: PlanItem) -> List[dict]:
    lines = [f"Write {item.count} different sentences in the style of {STYLES[item.style]}."]
    if item.kind == "mountain":
        names = ", ".join(item.mountains)
        if len(item.mountains) == 1:
            lines.append(f"Every sentence must mention the mountain {names}, written exactly like that.")
        else:
            lines.append(f"The sentences must mention these mountains, written exactly like that: {names}.")
        lines.append(SHAPES[item.shape])
        lines.append(f"Tag every mountain name (these and any other) as {LABEL} following the guideline; "
                     "things named after mountains, generic words and other places stay O.")
    else:
        lines.append(NEGATIVES[item.shape])
        if item.negative_names:
            lines.append("Use these names, one or more per sentence: " + "; ".join(item.negative_names) + ".")
    lines.append("")
    lines.append(f"PLAN: {item.index}")
    lines.append(f"COUNT: {item.count}")
    lines += [f"MOUNTAIN: {m}" for m in item.mountains]
    lines += [f"NEGATIVE: {m}" for m in item.negative_names]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


# --------------------------------------------------------------------------------------- validation
def text_key(text: str) -> str:
    """Duplicate key: whitespace-normalised, case-folded text."""
    return " ".join(text.split()).casefold()


def _squash(s: str) -> str:
    return "".join(s.split())


def _mention_token_spans(text: str, tokens: Sequence[str], name: str) -> List[List[int]]:
    """Token indices overlapping each occurrence of name in text (word-bounded, case-insensitive)."""
    words = name.split()
    if not words:
        return []
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    # token start/end in the whitespace-free text
    bounds, cursor = [], 0
    for token in tokens:
        length = len(_squash(token))
        bounds.append((cursor, cursor + length))
        cursor += length
    # map original char positions to whitespace-free positions
    squashed_pos, count = [], 0
    for ch in text:
        squashed_pos.append(count)
        if not ch.isspace():
            count += 1
    spans = []
    for m in re.finditer(pattern, text, flags=re.IGNORECASE):
        start, end = squashed_pos[m.start()], squashed_pos[m.end() - 1] + 1
        spans.append([i for i, (a, b) in enumerate(bounds) if a < end and b > start])
    return spans


def validate_sentence(obj: Any, requested: Sequence[str] = ()) -> Tuple[Optional[dict], Optional[str], int]:
    """Check one sentence object; return (sentence, None, n_repaired) or (None, reason, 0).

    Duplicates are checked by the caller (they depend on what was accepted before).
    """
    if not isinstance(obj, dict):
        return None, "malformed", 0
    text, tokens, pos, tags = obj.get("text"), obj.get("tokens"), obj.get("pos"), obj.get("tags")
    if not isinstance(text, str) or not text.strip():
        return None, "malformed", 0
    for seq in (tokens, pos, tags):
        if not isinstance(seq, list) or not all(isinstance(x, str) for x in seq):
            return None, "malformed", 0
    if not tokens or any(not _squash(t) for t in tokens):
        return None, "malformed", 0
    normalised = [normalise_tag(t) for t in tags]
    if any(t is None for t in normalised):
        return None, "unknown_tag", 0
    if not (len(tokens) == len(pos) == len(tags)):
        return None, "length_mismatch", 0
    if "".join(_squash(t) for t in tokens) != _squash(text):
        return None, "tokens_mismatch_text", 0
    fixed, n_repaired = repair_bio(normalised)
    for name in requested:
        for span in _mention_token_spans(text, tokens, name):
            if not span or any(fixed[i] == "O" for i in span):
                return None, "requested_mountain_untagged", 0
    sentence = {
        "text": text,
        "tokens": list(tokens),
        "pos": [p.strip().upper() for p in pos],
        "tags": fixed,
    }
    return sentence, None, n_repaired


def extract_json(content: Optional[str]) -> Any:
    """Parse JSON from a model answer: plain, inside ``` fences, or the outermost {...}. None if impossible."""
    if not isinstance(content, str):
        return None
    candidates = [content.strip()]
    fenced = re.findall(r"```(?:json|JSON)?\s*\n?(.*?)```", content, flags=re.S)
    candidates += [f.strip() for f in fenced]
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        candidates.append(content[start:end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def answer_sentences(payload: Any) -> Optional[list]:
    """The list of sentence objects in a parsed answer, or None if the answer is unusable."""
    if isinstance(payload, dict):
        if isinstance(payload.get("sentences"), list):
            return payload["sentences"]
        if "text" in payload and "tokens" in payload:
            return [payload]
        return None
    if isinstance(payload, list):
        return payload
    return None


def validate_answer(sentences: Sequence[Any], requested: Sequence[str], seen: set) -> Tuple[List[dict], Counter, int, list]:
    """Validate the sentences of one answer; `seen` (text keys) is updated with the accepted ones.

    Returns (accepted, dropped reasons, repaired count, rejected [{"reason", "sentence"}]).
    """
    accepted, dropped, repaired, rejected = [], Counter(), 0, []
    for obj in sentences:
        sentence, reason, n_fixed = validate_sentence(obj, requested)
        if sentence is not None:
            key = text_key(sentence["text"])
            if key in seen:
                sentence, reason = None, "duplicate"
            else:
                seen.add(key)
        if sentence is None:
            dropped[reason] += 1
            rejected.append({"reason": reason, "sentence": obj})
        else:
            accepted.append(sentence)
            repaired += n_fixed
    return accepted, dropped, repaired, rejected


# ------------------------------------------------------------------------------------------- resume
@dataclass
class RawState:
    lines: int = 0
    skipped_lines: int = 0
    done: set = field(default_factory=set)
    sentences: List[Tuple[int, int, dict]] = field(default_factory=list)  # (plan index, position, sentence)
    seen: set = field(default_factory=set)
    duplicates: int = 0
    tokens_in: int = 0
    tokens_out: int = 0


def load_raw(path: Path) -> RawState:
    """Read raw_dir/openai.jsonl: unreadable lines (e.g. a truncated last line) are skipped and counted."""
    state = RawState()
    if not path.exists():
        return state
    with path.open("r", encoding="utf8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                index = int(record["plan_index"])
                sentences = record["sentences"]
                if not isinstance(sentences, list):
                    raise ValueError("sentences is not a list")
            except (ValueError, KeyError, TypeError):
                state.skipped_lines += 1
                continue
            state.lines += 1
            state.done.add(index)
            usage = record.get("usage") or {}
            state.tokens_in += int(usage.get("prompt_tokens") or 0)
            state.tokens_out += int(usage.get("completion_tokens") or 0)
            for position, sentence in enumerate(sentences):
                checked, _, _ = validate_sentence(sentence)
                if checked is None:  # stored sentences were validated when written; be safe anyway
                    continue
                key = text_key(checked["text"])
                if key in state.seen:
                    state.duplicates += 1
                    continue
                state.seen.add(key)
                state.sentences.append((index, position, checked))
    return state


def _ensure_newline_at_end(path: Path) -> None:
    """After a kill mid-write the file may end inside a line: start the next record on a fresh line."""
    if path.exists() and path.stat().st_size:
        with path.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last != b"\n":
            with path.open("ab") as f:
                f.write(b"\n")


# -------------------------------------------------------------------------------------------- client
def _http_module():
    try:
        import httpx2 as module  # openai >= 3 is built on httpx2

        if hasattr(openai, "DefaultAsyncHttpx2Client"):
            return module
    except ImportError:
        pass
    import httpx as module

    return module


def _redact(text: str, secret: Optional[str]) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _printable_url(url: object) -> str:
    """The URL without any user:password@ part, safe to print."""
    return re.sub(r"//[^/@]*@", "//", str(url))


def _require_api_key() -> None:
    if not os.environ.get("OPENAI_API_KEY"):
        raise GenerationError(
            "OPENAI_API_KEY is not set: export it (any non-empty value for a local server without keys, with "
            "OPENAI_BASE_URL), or use --generator offline. Nothing was changed.")


def _connection_watch(httpx_mod, inner, on_failure):
    """A transport that reports each failed connection attempt (the client's retries included) as it happens,
    so that an unreachable server is noticed after a few attempts, not after every request's retries."""

    class ConnectionWatch(httpx_mod.AsyncBaseTransport):
        async def handle_async_request(self, request):
            try:
                return await inner.handle_async_request(request)
            except (httpx_mod.ConnectError, httpx_mod.ConnectTimeout, httpx_mod.ProxyError) as err:
                on_failure(err)
                raise

        async def aclose(self) -> None:
            await inner.aclose()

    return ConnectionWatch()


def cost_usd(model: str, tokens_in: int, tokens_out: int, batch: bool = False) -> Optional[float]:
    """Estimated USD for the tokens (the Batch API at BATCH_PRICE_FACTOR of the price); None if unknown."""
    for name, (price_in, price_out) in PRICES_PER_MILLION.items():
        if model == name or model.startswith(name + "-20"):
            factor = BATCH_PRICE_FACTOR if batch else 1.0
            return round((tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6) * factor, 6)
    return None


def request_body(model: str, item: PlanItem, mode: str) -> dict:
    """The chat-completions request for a plan item: the live path sends it, the batch path writes it."""
    body = {"model": model, "messages": build_messages(item), "temperature": 0.9}
    if RESPONSE_FORMATS[mode] is not None:
        body["response_format"] = RESPONSE_FORMATS[mode]
    return body


def auth_error(status_code: int) -> AuthError:
    what = "401 Unauthorized" if status_code == 401 else f"{status_code} Forbidden"
    return AuthError(f"the server rejected the API key ({what}); check OPENAI_API_KEY / OPENAI_BASE_URL. Run stopped.")


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

        httpx_mod = _http_module()

        async def on_request(request):
            self.http_attempts += 1

        async def on_response(response):
            self.responses += 1
            if response.status_code == 429 or response.status_code >= 500:
                self.http_status[str(response.status_code)] += 1

        limits = httpx_mod.Limits(max_connections=max(100, self.concurrency * 2),
                                  max_keepalive_connections=max(20, self.concurrency * 2))
        transport = _connection_watch(httpx_mod, httpx_mod.AsyncHTTPTransport(limits=limits),
                                      self._on_connection_failure)
        http_client_cls = getattr(openai, "DefaultAsyncHttpxClient", None) or httpx_mod.AsyncClient
        http_client = http_client_cls(transport=transport, timeout=self.timeout,
                                      event_hooks={"request": [on_request], "response": [on_response]})
        try:
            client = openai.AsyncOpenAI(timeout=self.timeout, max_retries=self.max_retries, http_client=http_client)
        except openai.OpenAIError as err:
            raise GenerationError(
                "cannot create the OpenAI client: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) "
                f"[{type(err).__name__}]") from None
        self.base_url = _redact(_printable_url(client.base_url), self.secret)
        return client

    def _on_connection_failure(self, err: Exception) -> None:
        self.connection_errors += 1
        if self.responses == 0 and self.connection_errors >= CONNECT_FAILURES_BEFORE_GIVING_UP and self.fatal is None:
            self.fatal = GenerationError(
                f"cannot reach the server at {self.base_url}: the first {self.connection_errors} connection attempts "
                f"failed ({type(err).__name__}). Check that the server is running, that OPENAI_BASE_URL is right "
                "(unset it for api.openai.com) and any proxy settings (HTTPS_PROXY, NO_PROXY). Run stopped.")
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
                        f"{_redact(str(err), self.secret)}")
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
        _ensure_newline_at_end(self.raw_path)
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


# ---------------------------------------------------------------------------------------------- batch
BATCH_STATE_FILE_NAME = "openai_batches.json"
# The Batch API's limits per batch (https://platform.openai.com/docs/guides/batch): requests and input file size.
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
MAX_BATCH_ROUNDS = 3              # the first batch, then at most two resubmissions of what failed or expired
BATCH_POLL_SECONDS = 30.0         # first wait between polls; MOUNTNER_BATCH_POLL_SECONDS overrides it (tests)
BATCH_POLL_MAX_SECONDS = 600.0    # the wait grows by half each poll up to this
BATCH_FINAL_STATES = ("completed", "failed", "expired", "cancelled")


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


def has_open_batches(raw_dir: Path) -> bool:
    """Whether raw_dir records a batch not yet collected (an unreadable record counts: _BatchRun says why)."""
    path = Path(raw_dir) / BATCH_STATE_FILE_NAME
    if not path.exists():
        return False
    try:
        return any(not b.get("collected") for b in json.loads(path.read_text(encoding="utf8"))["batches"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return True


class _BatchRun:
    """The Batch API path: submit the plan as batches, wait, validate the answers like the live path.

    Every batch is recorded in raw_dir/openai_batches.json the moment it is created, so a restarted run
    waits for (and collects) the same batches instead of paying for the requests twice.
    """

    def __init__(self, gen: "_Generator", plan: Iterator[PlanItem], raw_dir: Path, *, seed: int,
                 sentences_per_request: int, max_requests: int, max_rounds: int, poll_seconds: float):
        self.gen, self.plan, self.raw_dir = gen, plan, raw_dir
        self.plan_items: List[PlanItem] = []
        self.spr, self.max_requests, self.max_rounds, self.poll_seconds = (
            sentences_per_request, max_requests, max_rounds, poll_seconds)
        self.state_path = raw_dir / BATCH_STATE_FILE_NAME
        self.submitted = 0            # requests submitted by this run
        self.created: List[str] = []  # batch ids created by this run
        self.resumed_batches = 0
        self.state = self._load_state(seed)

    # -- state ---------------------------------------------------------------------------------------
    def _load_state(self, seed: int) -> dict:
        settings = {"model": self.gen.model, "seed": seed, "sentences_per_request": self.spr}
        if not self.state_path.exists():
            return {**settings, "batches": []}
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
                                  f"({_redact(str(err.message), self.gen.secret)[:200]}); rerun to resume") from None

    async def run(self) -> None:
        from tqdm import tqdm

        client = self.gen._make_client()
        self.gen.running.add(asyncio.current_task())  # an unreachable server cancels this task at once
        try:
            while True:
                open_batches = [b for b in self.state["batches"] if not b.get("collected")]
                if open_batches:
                    await self._wait(client, open_batches, tqdm)
                    for batch in open_batches:
                        await self._collect(client, batch)
                    continue
                indices, round_ = self._next_round()
                if not indices:
                    return
                await self._submit(client, indices, round_)
        except asyncio.CancelledError:
            if self.gen.fatal is None:
                raise
            raise self.gen.fatal from None
        finally:
            self.gen.running.discard(asyncio.current_task())
            await client.close()

    def _next_round(self) -> Tuple[List[int], int]:
        """Plan indices for the next batch: unanswered ones again (bounded), plus new ones for what is missing."""
        gen, batches = self.gen, self.state["batches"]
        rounds = max((b["round"] for b in batches), default=0)
        if gen.accepted_total >= gen.n_sentences or rounds >= self.max_rounds:
            return [], rounds
        attempts = Counter(i for b in batches for i in b["plan_indices"])
        retry = [i for i in sorted(attempts) if i not in gen.answered and attempts[i] < self.max_rounds]
        budget = self.max_requests - self.submitted
        retry = retry[:max(0, budget)]
        wanted = math.ceil((gen.n_sentences - gen.accepted_total) / self.spr) - len(retry)
        new, index = [], 0
        while len(new) < min(wanted, budget - len(retry)):
            if index not in attempts and index not in gen.answered:
                new.append(index)
            index += 1
        return retry + new, rounds + 1

    async def _submit(self, client, indices: List[int], round_: int) -> None:
        mode = self.gen.mode
        lines = [batch_line(self.gen.model, self.item(i), mode) for i in indices]
        for group in split_batches(lines, MAX_BATCH_REQUESTS, MAX_BATCH_BYTES):
            number = len(self.state["batches"])
            input_path = self.raw_dir / f"batch_input_{number:03d}.jsonl"
            content = "".join(lines[p] + "\n" for p in group)
            with open_atomic(input_path, "w", encoding="utf8") as f:
                f.write(content)
            uploaded = await self._api(f"upload {input_path.name}", client.files.create(
                file=(input_path.name, content.encode("utf8"), "application/jsonl"), purpose="batch"))
            batch = await self._api("create batch", client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                metadata={"project": "mountner", "round": str(round_)}))
            self.state["batches"].append({
                "id": batch.id, "input_file_id": uploaded.id, "input_file": input_path.name, "round": round_,
                "response_format": mode, "plan_indices": [indices[p] for p in group], "status": batch.status,
                "request_counts": {}, "collected": False})
            self._save_state()  # at once: a restart resumes this batch instead of paying twice
            self.created.append(batch.id)
            self.submitted += len(group)
            self.gen.requests += len(group)

    async def _wait(self, client, batches: List[dict], tqdm) -> None:
        """Poll until every batch has ended, waiting longer each time; the bar counts finished requests."""
        total = sum(len(b["plan_indices"]) for b in batches)
        interval = self.poll_seconds
        bar = tqdm(total=total, unit="req", desc="batch", disable=not self.gen.progress, dynamic_ncols=True)
        try:
            while True:
                for batch in batches:
                    if batch["status"] in BATCH_FINAL_STATES:
                        continue
                    found = await self._api(f"retrieve {batch['id']}", client.batches.retrieve(batch["id"]))
                    counts = getattr(found, "request_counts", None)
                    batch.update(status=found.status, output_file_id=found.output_file_id,
                                 error_file_id=found.error_file_id,
                                 request_counts={"completed": int(getattr(counts, "completed", 0) or 0),
                                                 "failed": int(getattr(counts, "failed", 0) or 0)})
                    errors = getattr(getattr(found, "errors", None), "data", None) or []
                    if errors:
                        batch["errors"] = [_redact(str(getattr(e, "message", e)), self.gen.secret)[:200] for e in errors[:5]]
                self._save_state()
                completed = sum(b["request_counts"].get("completed", 0) for b in batches)
                failed = sum(b["request_counts"].get("failed", 0) for b in batches)
                bar.n = min(total, completed + failed)
                bar.set_postfix(completed=completed, failed=failed,
                                status="/".join(sorted({b["status"] for b in batches})), refresh=False)
                bar.refresh()
                if all(b["status"] in BATCH_FINAL_STATES for b in batches):
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
        _ensure_newline_at_end(gen.raw_path)
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
                    gen.record_answer(self.item(index), content, batch.get("response_format", gen.mode), raw_file,
                                      usage=(usage.get("prompt_tokens"), usage.get("completion_tokens")),
                                      request_id=body.get("id"), model=body.get("model"))
                    continue
                status = response.get("status_code") if isinstance(response, dict) else None
                error = record.get("error") if isinstance(record.get("error"), dict) else {}
                reason = error.get("code") or (f"http_{status}" if status else "batch_error")
                gen.failures[str(reason)] += 1
                if status in (400, 422):  # as the live path: the server may not support the response_format
                    gen.step_down_from(batch.get("response_format", gen.mode))
        missing = expected - seen - gen.answered
        if missing:  # a failed batch answers nothing; count its requests once
            gen.failures[f"batch_{batch['status']}"] += len(missing)
        batch["collected"] = True
        self._save_state()

    def summary(self) -> dict:
        batches = self.state["batches"]
        attempts = Counter(i for b in batches for i in b["plan_indices"])
        unanswered = [i for i in attempts if i not in self.gen.answered]
        return {
            "batches": [{k: b.get(k) for k in ("id", "round", "status", "request_counts", "errors")}
                        | {"requests": len(b["plan_indices"])} for b in batches],
            "batches_created_this_run": len(self.created),
            "batches_resumed": self.resumed_batches,
            "rounds": max((b["round"] for b in batches), default=0),
            "requests_submitted": sum(attempts.values()),
            "requests_unique": len(attempts),
            "requests_answered": sum(1 for i in attempts if i in self.gen.answered),
            "requests_resubmitted": sum(n - 1 for n in attempts.values()),
            "requests_given_up": len(unanswered),
        }


# ------------------------------------------------------------------------------------------------ run
def _load_gazetteer() -> Tuple[List[str], List[Tuple[str, str]]]:
    import gazetteer  # written alongside; imported lazily so tests need not load the big files

    names = _clean_names(gazetteer.load_mountains()["name"].tolist())
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
) -> dict:
    """Generate (or resume generating) n_sentences tagged sentences; write output CSV and report JSON.

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
        _require_api_key()
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
    batch: Optional[_BatchRun] = None
    if llm_api == "live" and has_open_batches(raw_dir):
        print(f"note: {raw_dir / BATCH_STATE_FILE_NAME} lists batches not collected yet; rerun with --llm-api batch "
              "to collect them (they are paid for)", file=sys.stderr)
    if remaining > 0 or (llm_api == "batch" and has_open_batches(raw_dir)):
        try:
            if llm_api == "batch":
                # even with enough sentences, batches a killed run left open are collected (they are paid for)
                if remaining <= 0:
                    _require_api_key()
                batch = _BatchRun(gen, plan, raw_dir, seed=seed, sentences_per_request=spr,
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
    written = 0 if error is not None else write_rows((s for _, _, s in all_sentences[:n_sentences]), output)

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
        "error": None if error is None else _redact(str(error), gen.secret),
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
    import typer

    try:
        report = run(*args, **kwargs)
    except GenerationError as err:
        typer.echo(f"error: {_redact(str(err), os.environ.get('OPENAI_API_KEY'))}", err=True)
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
    import typer

    result = estimate(n_sentences, raw_dir, **kwargs)
    typer.echo(format_estimate(result))
    return result


def _cli():
    import typer

    app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0])

    @app.command()
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

    return app


if __name__ == "__main__":
    _cli()()
