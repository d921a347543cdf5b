"""Benchmark the OpenAI backend of `generate` against the local server (mountner.testing.openai_server).

    python -m mountner bench-generation --n-sentences 4000 --concurrency 32 --latency 0.2

Reports wall time against the ideal (requests x latency / concurrency) and efficiency = ideal / wall.
By default the local server runs in its own process (as a real server would: it does not share this
process's GIL); --in-process runs it in a thread here instead.  Only 127.0.0.1 is ever contacted.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

from mountner.generation.llm import generator as generate_openai
from mountner.testing.openai_server import LocalOpenAIServer



BENCH_NAMES = [
    "Mount Everest", "K2", "Kangchenjunga", "Lhotse", "Makalu", "Cho Oyu", "Mont Blanc", "Matterhorn",
    "Monte Rosa", "Ben Nevis", "Mauna Loa", "Mauna Kea", "Table Mountain", "Sierra Nevada", "Pico de Orizaba",
    "Denali", "Mount Kilimanjaro", "Mount Fuji", "Aconcagua", "Mount Elbrus", "Vinson Massif", "Puncak Jaya",
    "Mount Rainier", "Mount Olympus", "Cascade Range", "Blue Ridge", "Zugspitze", "Etna", "Vesuvius", "Teide",
]


class _SubprocessServer:
    def __init__(self, latency: float):
        self.proc = subprocess.Popen([sys.executable, "-m", "mountner.testing.openai_server", str(latency)],
                                     stdout=subprocess.PIPE, text=True)
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"local server did not start: {self.base_url!r}")
        self.max_in_flight = None
        self.total_requests = None

    def stop(self) -> None:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        for line in out.splitlines():
            if line.startswith("{"):
                stats = json.loads(line)
                self.max_in_flight, self.total_requests = stats["max_in_flight"], stats["total_requests"]


def main(
    n_sentences: int = typer.Option(4000, help="Sentences to generate."),
    concurrency: int = typer.Option(32),
    latency: float = typer.Option(0.2, help="Local server latency per request, seconds."),
    sentences_per_request: int = typer.Option(5),
    output: Path = typer.Option(Path("metrics/bench_generation.json"), help="Where to write the JSON result."),
    in_process: bool = typer.Option(False, help="Run the local server in a thread of this process."),
) -> None:
    """Generate N sentences against the local server and report efficiency = ideal / wall."""
    if in_process:
        server = LocalOpenAIServer(latency=latency).start()
    else:
        server = _SubprocessServer(latency)
    saved = {k: os.environ.get(k) for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    os.environ["OPENAI_BASE_URL"] = server.base_url
    os.environ["OPENAI_API_KEY"] = "sk-bench-dummy"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            report = generate_openai.run(
                n_sentences, Path(tmp) / "out.csv", Path(tmp) / "raw", concurrency=concurrency,
                sentences_per_request=sentences_per_request, mountains=BENCH_NAMES, progress=False)
            wall = time.monotonic() - started
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    requests = report["http_attempts"]
    ideal = requests * latency / concurrency
    result = {
        "n_sentences": n_sentences,
        "accepted": report["accepted"],
        "concurrency": concurrency,
        "latency_s": latency,
        "sentences_per_request": sentences_per_request,
        "requests": requests,
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "efficiency": round(ideal / wall, 4) if wall else None,
        "server": "thread" if in_process else "subprocess",
        "server_max_in_flight": getattr(server, "max_in_flight", None),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")
    typer.echo(json.dumps(result))

