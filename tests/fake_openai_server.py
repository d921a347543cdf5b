"""A small OpenAI-compatible chat-completions server for tests and benchmarks.

It listens on 127.0.0.1 only (ephemeral port), answers ``POST /v1/chat/completions`` with
sentences built from the machine-readable marker lines of the prompt (``COUNT: <n>``,
``MOUNTAIN: <name>``, ``NEGATIVE: <name>``, ``PLAN: <index>``) and can inject faults:
429 with Retry-After, 500, a hang longer than the client timeout, malformed JSON,
unknown tags, short tag lists, 401 and a few more.  One thread per connection
(``ThreadingHTTPServer``), so latency and concurrency behave like a real server.

    with FakeOpenAIServer(latency=0.2) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url   # http://127.0.0.1:PORT/v1

Faults are chosen per HTTP attempt, either from ``schedule`` (a list indexed by the
arrival number of the attempt, ``None`` meaning a normal answer; or a dict
``{attempt_number: fault}``) or at random from ``probabilities`` ({fault: p}, seeded).
"""
from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Sequence, Union

LABEL = "MOUNTAIN"

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


class FakeOpenAIServer:
    """Threaded fake of the chat-completions endpoint; use as a context manager."""

    def __init__(
        self,
        latency: float = 0.0,
        schedule: Union[Sequence[Optional[str]], Dict[int, str], None] = None,
        probabilities: Optional[Dict[str, float]] = None,
        seed: int = 0,
        retry_after: str = "1",
        hang_seconds: float = 3.0,
        json_schema_supported: bool = True,
        json_object_supported: bool = True,
        fence_content: bool = False,
    ):
        self.latency = latency
        self.schedule = schedule
        self.probabilities = dict(probabilities or {})
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.json_schema_supported = json_schema_supported
        self.json_object_supported = json_object_supported
        self.fence_content = fence_content
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.total_requests = 0
        self.sentence_counter = 0
        self.log: List[dict] = []  # one entry per HTTP attempt
        self._last_sentences: List[dict] = []
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAIServer":
        fake = self

        class Handler(_Handler):
            server_ref = fake

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            request_queue_size = 256
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                # A client that stops its run (an auth error, Ctrl-C) drops its open connections; that is
                # not a server fault, and printing it from a worker thread races pytest's closed stderr.
                if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                    return
                super().handle_error(request, client_address)

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset_counters(self) -> None:
        with self._lock:
            self.max_in_flight = 0
            self.total_requests = 0
            self.log = []

    @property
    def plan_indices(self) -> List[int]:
        """PLAN markers of the attempts that got a normal (200) answer."""
        return [e["plan"] for e in self.log if e["plan"] is not None and e["status"] == 200]

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

    # ------------------------------------------------------------------ answers
    def _build_sentences(self, prompt: str, fault: Optional[str]) -> List[dict]:
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
            self._corrupt(sentence, fault)
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

    def content_for(self, body: dict, fault: Optional[str], mode: str) -> str:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
        if fault == "malformed_json":
            return '{"sentences": [{"text": "Mount Everest is'
        sentences = [] if fault == "empty" else self._build_sentences(prompt, fault)
        content = json.dumps({"sentences": sentences}, ensure_ascii=False)
        if mode == "text" or self.fence_content:
            content = "Here are the sentences:\n```json\n" + content + "\n```\n"
        return content


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stalls
    server_ref: FakeOpenAIServer

    def log_message(self, format, *args):  # silence the default stderr logging
        pass

    def _send(self, status: int, payload: dict, headers: Optional[Dict[str, str]] = None) -> None:
        data = json.dumps(payload).encode("utf8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self._headers_buffer.append(b"\r\n")  # end_headers + body in one write
            self._headers_buffer.append(data)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True

    def do_POST(self):  # noqa: N802
        fake = self.server_ref
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with fake._lock:
            number = fake.total_requests
            fake.total_requests += 1
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            fault = fake._pick_fault(number)
        entry = {"number": number, "time": time.monotonic(), "fault": fault, "plan": None, "status": None,
                 "idempotency_key": self.headers.get("Idempotency-Key")}
        try:
            status = self._handle(raw, fault, entry)
            entry["status"] = status
        finally:
            with fake._lock:
                fake.in_flight -= 1
                fake.log.append(entry)

    def _handle(self, raw: bytes, fault: Optional[str], entry: dict) -> int:
        fake = self.server_ref
        try:
            body = json.loads(raw.decode("utf8"))
        except ValueError:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return 400
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        plan = re.findall(r"^PLAN:\s*(\d+)\s*$", prompt, re.M)
        entry["plan"] = int(plan[0]) if plan else None
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return 404
        deadline = entry["time"] + fake.latency  # the answer leaves `latency` after the request arrived

        def wait() -> None:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)

        if fault == "hang":
            time.sleep(fake.hang_seconds)
        if fault in ("401", "403", "429", "500"):
            wait()
        if fault == "401":
            auth = self.headers.get("Authorization", "")
            # like the real API, echo (part of) the key: the client must never print it
            self._send(401, {"error": {"message": f"Incorrect API key provided: {auth[7:]}",
                                       "type": "invalid_request_error", "code": "invalid_api_key"}})
            return 401
        if fault == "403":
            self._send(403, {"error": {"message": "permission denied", "type": "permission_error"}})
            return 403
        if fault == "429":
            self._send(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}},
                       {"Retry-After": fake.retry_after})
            return 429
        if fault == "500":
            self._send(500, {"error": {"message": "internal error", "type": "server_error"}})
            return 500
        response_format = body.get("response_format") or {}
        mode = response_format.get("type", "text")
        if (mode == "json_schema" and not fake.json_schema_supported) or (
            mode == "json_object" and not fake.json_object_supported
        ):
            wait()
            self._send(400, {"error": {"message": f"response_format {mode} is not supported",
                                       "type": "invalid_request_error", "param": "response_format"}})
            return 400
        content = fake.content_for(body, fault, mode)
        prompt_tokens = max(1, len(prompt) // 4)
        completion_tokens = max(1, len(content) // 4)
        wait()  # the answer was built during the latency, as a real server computes during its latency
        self._send(200, {
            "id": f"chatcmpl-fake-{entry['number']}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })
        return 200


if __name__ == "__main__":  # python tests/fake_openai_server.py [latency]: prints its URL, then stats on SIGTERM
    import signal
    import sys

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    with FakeOpenAIServer(latency=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as srv:
        print(srv.base_url, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print(json.dumps({"max_in_flight": srv.max_in_flight, "total_requests": srv.total_requests}), flush=True)
