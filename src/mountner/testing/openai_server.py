"""A local OpenAI-compatible server (chat completions, files, batches) for the tests and the benchmark.

It listens on 127.0.0.1 only (ephemeral port), answers ``POST /v1/chat/completions`` with
sentences built from the machine-readable marker lines of the prompt (``COUNT: <n>``,
``MOUNTAIN: <name>``, ``NEGATIVE: <name>``, ``PLAN: <index>``) and can inject faults:
429 with Retry-After, 500, a hang longer than the client timeout, malformed JSON,
unknown tags, short tag lists, 401 and a few more.  One thread per connection
(``ThreadingHTTPServer``), so latency and concurrency behave like a real server.

    with LocalOpenAIServer(latency=0.2) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url   # http://127.0.0.1:PORT/v1

Faults are chosen per HTTP attempt, either from ``schedule`` (a list indexed by the
arrival number of the attempt, ``None`` meaning a normal answer; or a dict
``{attempt_number: fault}``) or at random from ``probabilities`` ({fault: p}, seeded).

The Batch API: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}`` and
``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches/{id}``.  A batch is
``validating`` on its first retrieve, ``in_progress`` for ``batch_in_progress_polls`` retrieves,
then ends as given by ``batch_outcomes`` (one per created batch, in order; default
``completed``): ``completed``, ``expired`` (the first half of its requests answered, the rest
in the error file as ``batch_expired``) or ``failed`` (nothing answered).  Each request line can
carry a fault from ``batch_line_faults`` ({line number across all batches: fault}): ``500`` goes
to the error file, the answer faults (``malformed_json``, ``unknown_tag``, ...) to the output.
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


class LocalOpenAIServer:
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
        batch_in_progress_polls: int = 1,
        batch_outcomes: Sequence[str] = (),
        batch_line_faults: Optional[Dict[int, str]] = None,
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
        self._lock = threading.RLock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.total_requests = 0
        self.sentence_counter = 0
        self.log: List[dict] = []  # one entry per HTTP attempt
        self._last_sentences: List[dict] = []
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.batch_in_progress_polls = batch_in_progress_polls
        self.batch_outcomes = list(batch_outcomes)
        self.batch_line_faults = dict(batch_line_faults or {})
        self.files: Dict[str, dict] = {}      # id -> {"meta": file object, "content": bytes}
        self.batches: Dict[str, dict] = {}    # id -> {"batch": batch object, "polls": int, "outcome": str}
        self.batch_lines_total = 0
        self.uploads: List[bytes] = []        # every uploaded file's content, in order

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "LocalOpenAIServer":
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

    def __enter__(self) -> "LocalOpenAIServer":
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

    def completion(self, body: dict, fault: Optional[str], number: int) -> dict:
        """A chat.completion object answering body (with an answer fault applied, if any)."""
        response_format = body.get("response_format") or {}
        content = self.content_for(body, fault, response_format.get("type", "text"))
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
        return batch

    def retrieve_batch(self, batch_id: str) -> Optional[dict]:
        with self._lock:
            entry = self.batches.get(batch_id)
            if entry is None:
                return None
            batch = entry["batch"]
            if batch["status"] in ("validating", "in_progress"):
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
            batch.update(status="failed", failed_at=int(time.time()),
                         errors={"object": "list", "data": [{"code": "invalid_request", "message": "fake failure", "line": 1}]})
            batch["request_counts"].update(completed=0, failed=0)
            return
        answered = len(lines) if outcome != "expired" else len(lines) // 2
        output, errors = [], []
        for k, line in enumerate(lines):
            number = self.batch_lines_total
            self.batch_lines_total += 1
            fault = self.batch_line_faults.get(number)
            custom_id = line.get("custom_id")
            if k >= answered:
                errors.append({"id": f"batch_req_{number}", "custom_id": custom_id, "response": None,
                               "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
            elif fault in ("500", "429"):  # (the lock is re-entrant: completion() takes it again)
                errors.append({"id": f"batch_req_{number}", "custom_id": custom_id, "error": None,
                               "response": {"status_code": int(fault), "request_id": f"req_{number}",
                                            "body": {"error": {"message": "internal error", "type": "server_error"}}}})
            else:
                body = self.completion(line.get("body") or {}, fault, number)
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
    server_ref: LocalOpenAIServer

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

    def do_GET(self):  # noqa: N802  files and batches: metadata, content, batch state
        fake = self.server_ref
        path = self.path.split("?")[0].rstrip("/")
        match = re.fullmatch(r"(?:/v1)?/(files|batches)/([^/]+)(/content)?", path)
        found = None
        if match and match.group(1) == "files":
            entry = fake.files.get(match.group(2))
            if entry is not None and match.group(3):
                self._send_bytes(200, entry["content"], "application/octet-stream")
                return
            found = entry["meta"] if entry is not None else None
        elif match and not match.group(3):
            found = fake.retrieve_batch(match.group(2))
        if found is None:
            self._send(404, {"error": {"message": f"no such object: {path}", "type": "invalid_request_error"}})
        else:
            self._send(200, found)

    def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True

    def _upload(self, raw: bytes) -> int:
        """POST /v1/files: a multipart form with `purpose` and `file`."""
        from email.parser import BytesParser
        from email.policy import HTTP

        fake = self.server_ref
        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode("latin-1")
        form = BytesParser(policy=HTTP).parsebytes(head + raw)
        fields, filename = {}, "upload"
        for part in form.iter_parts() if form.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fields[name] = part.get_payload(decode=True) or b""
            if name == "file":
                filename = part.get_filename() or filename
        if "file" not in fields:
            self._send(400, {"error": {"message": "no file in the upload", "type": "invalid_request_error"}})
            return 400
        with fake._lock:
            fake.uploads.append(fields["file"])
        self._send(200, fake.add_file(fields["file"], filename, fields.get("purpose", b"").decode("utf8")))
        return 200

    def _handle(self, raw: bytes, fault: Optional[str], entry: dict) -> int:
        fake = self.server_ref
        path = self.path.rstrip("/")
        endpoint = path.rsplit("/", 2)[-1] if not path.endswith("/chat/completions") else "chat"
        if path not in ("/v1/chat/completions", "/chat/completions", "/v1/files", "/files", "/v1/batches", "/batches"):
            self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return 404
        body: dict = {}
        if endpoint != "files":
            try:
                body = json.loads(raw.decode("utf8"))
            except ValueError:
                self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return 400
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        plan = re.findall(r"^PLAN:\s*(\d+)\s*$", prompt, re.M)
        entry["plan"] = int(plan[0]) if plan else None
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
        if endpoint == "files":
            return self._upload(raw)
        if endpoint == "batches":
            self._send(200, fake.create_batch(body))
            return 200
        response_format = body.get("response_format") or {}
        mode = response_format.get("type", "text")
        if (mode == "json_schema" and not fake.json_schema_supported) or (
            mode == "json_object" and not fake.json_object_supported
        ):
            wait()
            self._send(400, {"error": {"message": f"response_format {mode} is not supported",
                                       "type": "invalid_request_error", "param": "response_format"}})
            return 400
        payload = fake.completion(body, fault, entry["number"])
        wait()  # the answer was built during the latency, as a real server computes during its latency
        self._send(200, payload)
        return 200


if __name__ == "__main__":  # python scripts/local_openai_server.py [latency]: prints its URL, then stats on SIGTERM
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="A local OpenAI-compatible server on 127.0.0.1 (prints its URL).")
    parser.add_argument("latency", nargs="?", type=float, default=0.0, help="seconds per chat request")
    parser.add_argument("--batch-line-faults", default="{}",
                        help='JSON {line number: fault} for batch requests, e.g. \'{"3": "500", "7": "malformed_json"}\'')
    parser.add_argument("--batch-outcomes", default="", help="comma-separated end states of the batches in order")
    args = parser.parse_args()

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    line_faults = {int(k): v for k, v in json.loads(args.batch_line_faults).items()}
    outcomes = [x for x in args.batch_outcomes.split(",") if x]
    with LocalOpenAIServer(latency=args.latency, batch_line_faults=line_faults, batch_outcomes=outcomes) as srv:
        print(srv.base_url, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print(json.dumps({"max_in_flight": srv.max_in_flight, "total_requests": srv.total_requests}), flush=True)
