"""A local OpenAI-compatible server (chat completions, files, batches) for the tests and the benchmark.

It listens on 127.0.0.1 only (ephemeral port) and answers ``POST /v1/chat/completions`` with
sentences built from the machine-readable marker lines of the prompt (fake_openai.py: the answers, the
faults and the batch store), and can inject faults: 429 with Retry-After, 500, a hang longer than the
client timeout, malformed JSON, unknown tags, short tag lists, 401 and a few more.  One thread per
connection (``ThreadingHTTPServer``), so latency and concurrency behave like a real server.

    with LocalOpenAIServer(latency=0.2) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url   # http://127.0.0.1:PORT/v1

The Batch API: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}`` and
``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches/{id}``, ``GET /v1/batches``.

    python -m mountner.testing.openai_server --fault-profile bad_day --seed 0   # a cheap model on a bad day
"""
from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl
from typing import Dict, List, Optional, Sequence, Union

from mountner.testing.fake_openai import FAULT_PROFILES, FakeOpenAI


class LocalOpenAIServer(FakeOpenAI):
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
        fault_profile: Union[str, Dict[str, Dict[str, float]], None] = None,
    ):
        super().__init__(schedule, probabilities, seed, fence_content, batch_in_progress_polls, batch_outcomes, batch_line_faults,
                         fault_profile)
        self.latency = latency
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.json_schema_supported = json_schema_supported
        self.json_object_supported = json_object_supported
        self.in_flight = 0
        self.max_in_flight = 0
        self.total_requests = 0
        self.log: List[dict] = []  # one entry per HTTP attempt
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

    def do_GET(self):  # noqa: N802  files and batches: metadata, content, batch state, the list of batches
        fake = self.server_ref
        path, _, query = self.path.partition("?")
        path = path.rstrip("/")
        if path in ("/v1/batches", "/batches"):
            params = dict(parse_qsl(query))
            self._send(200, fake.list_batches(int(params.get("limit") or 20), params.get("after")))
            return
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
        rng = None
        if fault is None and endpoint == "chat" and plan:
            fault, rng = fake.profile_fault(f"plan-{plan[0]}")
            entry["fault"] = fault
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
        payload = fake.completion(body, fault, entry["number"], rng)
        wait()  # the answer was built during the latency, as a real server computes during its latency
        self._send(200, payload)
        return 200


if __name__ == "__main__":  # python -m mountner.testing.openai_server [latency]: prints its URL, then stats on SIGTERM
    parser = argparse.ArgumentParser(description="A local OpenAI-compatible server on 127.0.0.1 (prints its URL).")
    parser.add_argument("latency", nargs="?", type=float, default=0.0, help="seconds per chat request")
    parser.add_argument("--batch-line-faults", default="{}",
                        help='JSON {line number: fault} for batch requests, e.g. \'{"3": "500", "7": "malformed_json"}\'')
    parser.add_argument("--batch-outcomes", default="", help="comma-separated end states of the batches in order")
    parser.add_argument("--fault-profile", default=None, choices=sorted(FAULT_PROFILES), help="faults drawn for chat requests and batch lines")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault profile")
    args = parser.parse_args()

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    line_faults = {int(k): v for k, v in json.loads(args.batch_line_faults).items()}
    outcomes = [x for x in args.batch_outcomes.split(",") if x]
    with LocalOpenAIServer(latency=args.latency, batch_line_faults=line_faults, batch_outcomes=outcomes,
                           fault_profile=args.fault_profile, seed=args.seed) as srv:
        print(srv.base_url, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print(json.dumps({"max_in_flight": srv.max_in_flight, "total_requests": srv.total_requests}), flush=True)
