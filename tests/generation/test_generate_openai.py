"""The OpenAI backend of `generate`, through the real openai client against the local fake server (mountner.testing.openai_server);
its parts without a server are in test_generate_llm_requests.py."""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

from mountner.generation.llm import generator as g
from mountner.generation.llm import answers as openai_answers
from mountner.data import sentence_record
from mountner.generation.llm import client as openai_client
from mountner.generation.llm import request_plan as openai_requests
from mountner.data.bio import TAGS
from conftest import OPENAI_TEST_KEY  # the serve fixture is in conftest.py too

ROOT = Path(__file__).resolve().parents[2]

KEY = OPENAI_TEST_KEY
NAMES = [
    "Mount Everest", "K2", "Mont Blanc", "Ben Nevis", "Mauna Loa", "Table Mountain", "Sierra Nevada",
    "Pico de Orizaba", "Matterhorn", "Denali", "Monte Rosa", "Mount Fuji", "Aconcagua", "Mount Elbrus",
    "Cascade Range", "Blue Ridge", "Zugspitze", "Etna", "Teide", "Vinson Massif",
]


# ------------------------------------------------------------------------------------------ helpers
def generate(tmp_path: Path, n: int = 20, **kwargs) -> dict:
    kwargs.setdefault("mountains", NAMES)
    kwargs.setdefault("concurrency", 4)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("timeout", 5.0)
    return g.run(n, tmp_path / "mountains.csv", tmp_path / "raw", **kwargs)


def read_output(path: Path) -> "OrderedDict[str, dict]":
    sentences: "OrderedDict[str, dict]" = OrderedDict()
    with path.open(encoding="utf8", newline="") as f:
        for row in csv.DictReader(f):
            s = sentences.setdefault(row["sentence_id"], {"text": row["sentence"], "tokens": [], "tags": [], "pos": []})
            s["tokens"].append(row["word"])
            s["tags"].append(row["tag"])
            s["pos"].append(row["pos"])
    return sentences


def assert_good_output(path: Path, n: int) -> None:
    sentences = read_output(path)
    assert len(sentences) == n
    keys = [sentence_record.text_key(s["text"]) for s in sentences.values()]
    assert len(set(keys)) == n, "duplicate texts in the output"
    for s in sentences.values():
        assert all(t in TAGS for t in s["tags"]), s["tags"]
        previous = "O"
        for tag in s["tags"]:
            assert not (tag.startswith("I-") and previous == "O"), s["tags"]
            previous = tag


def raw_records(raw_dir: Path) -> list:
    records = []
    for line in (raw_dir / openai_answers.RAW_FILE_NAME).read_text(encoding="utf8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records


def assert_key_nowhere(tmp_path: Path, *texts: str) -> None:
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), f"API key written to {path}"
    for text in texts:
        assert KEY not in text


# ------------------------------------------------------------------------------------ through server
def test_clean_run_report_and_raw_file(serve, tmp_path):
    server = serve(latency=0.02)
    report = generate(tmp_path, n=20, sentences_per_request=5)
    assert_good_output(tmp_path / "mountains.csv", 20)
    assert report["accepted"] == 20 and report["requests"] == 4  # stops launching once the target is reached
    assert report["failures"] == 0 and report["retries"] == 0
    assert report["tokens_in"] > 0 and report["tokens_out"] > 0 and report["cost_usd"] > 0
    assert report["response_format"] == "json_schema"
    saved = json.loads((tmp_path / "raw" / g.REPORT_FILE_NAME).read_text())
    assert saved["accepted"] == 20 and set(saved["dropped"]) == set(openai_answers.DROP_REASONS)
    assert saved["prompt_version"] == openai_requests.GENERATE_PROMPT_VERSION == "generate.v2"
    records = raw_records(tmp_path / "raw")
    assert len(records) == 4 and len({r["plan_index"] for r in records}) == 4
    assert all(r["usage"]["prompt_tokens"] > 0 and r["model"] for r in records)
    assert server.total_requests == 4


FAULT_CASES = {
    # fault: (server kwargs, run kwargs, check(report))
    "429": ({"schedule": {0: "429", 1: "429"}, "retry_after": "0.2"}, {},
            lambda r: r["retries"] >= 2 and r["retried_status"].get("429") >= 2),
    "500": ({"schedule": {0: "500", 1: "500", 2: "500"}}, {},
            lambda r: r["retries"] >= 3 and r["retried_status"].get("500") >= 3),
    "hang": ({"schedule": {0: "hang"}, "hang_seconds": 2.5}, {"timeout": 1.0},
             lambda r: r["retries"] >= 1),
    "malformed_json": ({"schedule": {0: "malformed_json", 1: "malformed_json"}}, {},
                       lambda r: r["failures_by_reason"] == {"malformed_json": 2}),
    "unknown_tag": ({"schedule": {0: "unknown_tag"}}, {}, lambda r: r["dropped"]["unknown_tag"] >= 1),
    "short_tags": ({"schedule": {0: "short_tags"}}, {}, lambda r: r["dropped"]["length_mismatch"] >= 1),
    "missing_field": ({"schedule": {0: "missing_field"}}, {}, lambda r: r["dropped"]["malformed"] >= 1),
    "tokens_mismatch": ({"schedule": {0: "tokens_mismatch"}}, {},
                        lambda r: r["dropped"]["tokens_mismatch_text"] >= 1),
    "untagged": ({"schedule": {0: "untagged", 1: "untagged", 2: "untagged"}}, {},
                 lambda r: r["dropped"]["requested_mountain_untagged"] >= 1),
    "duplicate": ({"schedule": {1: "duplicate"}}, {"concurrency": 1}, lambda r: r["dropped"]["duplicate"] >= 1),
    "lower_tags": ({"schedule": {0: "lower_tags"}}, {}, lambda r: sum(r["dropped"].values()) == 0),
    "i_after_o": ({"schedule": {0: "i_after_o", 1: "i_after_o", 2: "i_after_o"}}, {},
                  lambda r: r["repaired_i_after_o"] >= 1),
}


@pytest.mark.parametrize("fault", list(FAULT_CASES))
def test_faults_still_reach_target(serve, tmp_path, fault):
    server_kwargs, run_kwargs, check = FAULT_CASES[fault]
    server = serve(**server_kwargs)
    report = generate(tmp_path, n=20, sentences_per_request=5, **run_kwargs)
    assert report["written"] == 20 and 20 <= report["accepted"] <= 30, report
    assert check(report), report
    assert_good_output(tmp_path / "mountains.csv", 20)
    assert_key_nowhere(tmp_path)
    assert server.total_requests >= report["requests"]


def test_retry_after_is_honoured(serve, tmp_path):
    server = serve(schedule={0: "429"}, retry_after="1.2")
    report = generate(tmp_path, n=5, sentences_per_request=5, concurrency=1)
    assert report["retries"] == 1
    first, second = server.log[0], server.log[1]
    assert first["fault"] == "429" and second["plan"] == first["plan"]
    assert second["time"] - first["time"] >= 1.1  # the client's own backoff would be ~0.5 s


def test_random_faults_mix(serve, tmp_path, capfd):
    probabilities = {"429": 0.05, "500": 0.05, "malformed_json": 0.05, "unknown_tag": 0.05, "short_tags": 0.05,
                     "lower_tags": 0.05, "i_after_o": 0.05, "untagged": 0.05}
    serve(probabilities=probabilities, seed=1, retry_after="0.1", latency=0.01)
    report = generate(tmp_path, n=150, sentences_per_request=5, concurrency=8, progress=True)
    assert report["written"] == 150
    assert report["failures"] + sum(report["dropped"].values()) > 0
    assert_good_output(tmp_path / "mountains.csv", 150)
    out = capfd.readouterr()
    assert_key_nowhere(tmp_path, out.out, out.err)


def test_concurrency_is_bounded_and_used(serve, tmp_path):
    server = serve(latency=0.1)
    generate(tmp_path, n=60, sentences_per_request=3, concurrency=4)
    assert 1 < server.max_in_flight <= 4
    server.reset_counters()
    generate(tmp_path / "b", n=400, sentences_per_request=5, concurrency=32)
    assert 4 < server.max_in_flight <= 32


def test_json_schema_fallbacks(serve, tmp_path):
    serve(json_schema_supported=False)
    report = generate(tmp_path, n=10, sentences_per_request=5)
    assert report["response_format"] == "json_object" and report["failures"] == 0
    serve(json_schema_supported=False, json_object_supported=False)
    report = generate(tmp_path / "b", n=10, sentences_per_request=5)
    assert report["response_format"] == "text" and report["accepted"] == 10
    assert report["response_format_downgrades"] == ["json_schema->json_object", "json_object->text"]


def test_garbage_server_ends_with_clear_error(serve, tmp_path):
    server = serve(probabilities={"malformed_json": 1.0})
    with pytest.raises(openai_client.GenerationError, match="gave up after"):
        generate(tmp_path, n=20, sentences_per_request=5, concurrency=4)
    assert server.total_requests <= g.MAX_REQUEST_FACTOR * math.ceil(20 / 5)
    report = json.loads((tmp_path / "raw" / g.REPORT_FILE_NAME).read_text())
    assert report["failures_by_reason"]["malformed_json"] == server.total_requests
    assert "gave up" in report["error"]


@pytest.mark.parametrize("status", ["401", "403"])
def test_auth_error_stops_the_run(serve, tmp_path, capfd, status):
    server = serve(probabilities={status: 1.0}, latency=0.05)
    with pytest.raises(openai_client.AuthError) as info:
        generate(tmp_path, n=100, sentences_per_request=5, concurrency=4)
    message = str(info.value)
    assert status in message and "OPENAI_API_KEY" in message
    assert server.total_requests <= 4  # no retries, no new launches
    report = json.loads((tmp_path / "raw" / g.REPORT_FILE_NAME).read_text())
    assert report["error"] and report["accepted"] == 0
    out = capfd.readouterr()
    assert_key_nowhere(tmp_path, message, repr(info.value), out.out, out.err)


def test_cli_auth_error_exit_code_and_no_key(serve, tmp_path):
    serve(probabilities={"401": 1.0})
    names = tmp_path / "names.txt"
    names.write_text("\n".join(NAMES), encoding="utf8")
    proc = subprocess.run(
        [sys.executable, "-m", "mountner", "generate-llm", "--n-sentences", "10",
         "--output", str(tmp_path / "out.csv"), "--raw-dir", str(tmp_path / "raw"),
         "--mountains-file", str(names), "--no-progress"],
        capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert proc.returncode != 0
    assert "rejected the API key" in proc.stderr and "401" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_key_nowhere(tmp_path, proc.stdout, proc.stderr)


# -------------------------------------------------------------------------------------------- resume
def test_resume_skips_truncated_line_and_finished_plan_indices(serve, tmp_path):
    server = serve()
    generate(tmp_path, n=20, sentences_per_request=5)
    first_indices = {r["plan_index"] for r in raw_records(tmp_path / "raw")}
    with (tmp_path / "raw" / openai_answers.RAW_FILE_NAME).open("a", encoding="utf8") as f:
        f.write('{"plan_index": 999, "sentences": [{"text": "Mount')  # killed mid-write
    server.reset_counters()
    report = generate(tmp_path, n=30, sentences_per_request=5)
    assert report["resumed"]["skipped_lines"] == 1 and report["resumed"]["accepted"] == 20
    assert report["requests"] == 2 and server.total_requests == 2
    assert not set(server.plan_indices) & first_indices
    assert_good_output(tmp_path / "mountains.csv", 30)
    indices = [r["plan_index"] for r in raw_records(tmp_path / "raw")]
    assert len(indices) == len(set(indices)) == 6
    # enough already: no request at all, output rebuilt from the file
    server.reset_counters()
    (tmp_path / "mountains.csv").unlink()
    report = generate(tmp_path, n=25, sentences_per_request=5)
    assert server.total_requests == 0 and report["accepted"] == 30 and report["written"] == 25
    assert_good_output(tmp_path / "mountains.csv", 25)


def test_killed_run_resumes_without_duplicates(serve, tmp_path):
    n, spr = 40, 2
    full_requests = n // spr
    server = serve(latency=0.25)
    names = tmp_path / "names.txt"
    names.write_text("\n".join(NAMES), encoding="utf8")
    raw = tmp_path / "raw" / openai_answers.RAW_FILE_NAME
    proc = subprocess.Popen(
        [sys.executable, "-m", "mountner", "generate-llm", "--n-sentences", str(n),
         "--sentences-per-request", str(spr), "--concurrency", "2", "--output", str(tmp_path / "mountains.csv"),
         "--raw-dir", str(tmp_path / "raw"), "--mountains-file", str(names), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if raw.exists() and raw.read_text(encoding="utf8").count("\n") >= 4:
            break
        time.sleep(0.02)
    proc.kill()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode != 0, "the run finished before it could be killed"
    with raw.open("a", encoding="utf8") as f:  # and, as if killed mid-write, a partial line
        f.write('{"plan_index": 12345, "model": "gpt-4o-mini", "sentences": [{"te')
    done_before = {r["plan_index"] for r in raw_records(tmp_path / "raw")}
    accepted_before = sum(len(r["sentences"]) for r in raw_records(tmp_path / "raw"))
    assert 4 <= len(done_before) < full_requests
    server.reset_counters()
    report = generate(tmp_path, n=n, sentences_per_request=spr, concurrency=2)
    assert report["resumed"]["accepted"] == accepted_before and report["resumed"]["skipped_lines"] == 1
    assert server.total_requests < full_requests
    assert not set(server.plan_indices) & done_before, "finished plan indices were requested again"
    assert_good_output(tmp_path / "mountains.csv", n)
    indices = [r["plan_index"] for r in raw_records(tmp_path / "raw")]
    assert len(indices) == len(set(indices))
    assert_key_nowhere(tmp_path, out, err)


# ------------------------------------------------------------------------------ failures lose nothing
def closed_port_url() -> str:
    """A 127.0.0.1 URL where nothing listens (the port was free a moment ago)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("case", ["no_key", "closed_port"])
def test_failed_llm_run_leaves_the_existing_corpus_untouched(tmp_path, case):
    corpus = tmp_path / "corpus" / "mountains.csv"
    corpus.parent.mkdir()
    corpus.write_bytes(b"sentence_id,sentence,word,pos,tag,tag_general,tag_position\n0,K2 rises,K2,PROPN,B-MOUNTAIN,MOUNTAIN,B\n")
    before = corpus.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL") and "proxy" not in k.lower()}
    if case == "closed_port":
        env.update(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=closed_port_url(), NO_PROXY="127.0.0.1")
    proc = subprocess.run(
        [sys.executable, "-m", "mountner", "generate", "--generator", "openai", "--n-sentences", "10",
         "--output", str(corpus), "--raw-dir", str(tmp_path / "corpus" / "raw")],
        capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode != 0
    assert corpus.read_bytes() == before
    assert sorted(p.name for p in corpus.parent.iterdir() if p.is_file()) == ["mountains.csv"]  # no temp file left
    assert "Traceback" not in proc.stderr and "error:" in proc.stderr
    if case == "no_key":
        assert "OPENAI_API_KEY" in proc.stderr
    else:
        assert env["OPENAI_BASE_URL"] in proc.stderr  # how fast: test_unreachable_server_fails_fast_naming_the_url
    assert_key_nowhere(tmp_path, proc.stdout, proc.stderr)


@pytest.mark.parametrize("concurrency", [1, 8])
def test_unreachable_server_fails_fast_naming_the_url(tmp_path, monkeypatch, concurrency):
    url = closed_port_url()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    started = time.monotonic()
    with pytest.raises(openai_client.GenerationError) as info:
        generate(tmp_path, n=100, sentences_per_request=5, concurrency=concurrency)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert url in message and "OPENAI_BASE_URL" in message and "proxy" in message
    assert KEY not in message
    assert elapsed < 8, f"took {elapsed:.1f} s to give up on a closed port"
    assert not (tmp_path / "mountains.csv").exists()
    report = json.loads((tmp_path / "raw" / g.REPORT_FILE_NAME).read_text())
    assert report["failures_by_reason"].get("connection_error", 0) + report["connection_errors"] >= 1


def test_progress_bar_shows_failures_while_nothing_is_accepted(serve, tmp_path, capfd):
    serve(probabilities={"malformed_json": 1.0}, latency=0.06)
    with pytest.raises(openai_client.GenerationError):
        generate(tmp_path, n=20, sentences_per_request=5, concurrency=1, progress=True)
    err = capfd.readouterr().err
    # refreshed during the run, not only once when the bar closes
    assert err.count("failed=") >= 3, err


# ------------------------------------------------------------------------------------------ real prose
def test_the_llm_writes_its_share_and_real_prose_fills_the_rest(serve, tmp_path):
    """generate --generator openai: the LLM is asked for n x (1 - gloss - wiki - books) sentences, and WordNet glosses,
    Wikipedia lead sentences and mountaineering books' sentences (from the project's files) make up the rest of the CSV."""
    server = serve()
    output = tmp_path / "corpus" / "mountains.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "mountner", "generate", "--generator", "openai", "--n-sentences", "25",
         "--gloss-fraction", "0.2", "--wiki-fraction", "0.2", "--book-fraction", "0.2", "--name-swaps", "0", "--sentences-per-request", "5",
         "--output", str(output), "--raw-dir", str(tmp_path / "corpus" / "raw")],
        capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    sentences = read_output(output)
    leads = set((ROOT / "assets" / "gazetteer" / "wikipedia_leads.txt").read_text(encoding="utf8").splitlines())
    books = set((ROOT / "assets" / "gazetteer" / "mountain_books.txt").read_text(encoding="utf8").splitlines())
    from_leads = [s for s in sentences.values() if s["text"] in leads]
    from_books = [s for s in sentences.values() if s["text"] in books]
    assert len(sentences) == 25 and len(from_leads) == 5 and len(from_books) == 5
    assert server.total_requests == 2  # 10 LLM sentences, 5 a request
    assert "WordNet glosses: 5 of 5" in proc.stdout and "Wikipedia leads: 5 of 5" in proc.stdout
    assert "mountaineering books: 5 of 5" in proc.stdout
    origins = pd.read_csv(output, keep_default_na=False).groupby("sentence_id")["origin"].first()
    assert origins.value_counts().to_dict() == {"llm": 10, "wordnet_gloss": 5, "wikipedia_lead": 5, "mountain_book": 5}
    assert_key_nowhere(tmp_path, proc.stdout, proc.stderr)


def test_llm_dry_run_prices_only_the_llm_share(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "mountner", "generate", "--generator", "openai", "--dry-run", "--n-sentences", "1000",
         "--gloss-fraction", "0.1", "--wiki-fraction", "0.3", "--book-fraction", "0.1", "--raw-dir", str(tmp_path / "raw")],
        capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "dry run: 500 sentences from the LLM; 100 WordNet glosses, 300 Wikipedia lead sentences and 100 book sentences" in proc.stdout


def test_real_prose_shares_over_one_are_refused_by_name(tmp_path):
    output = tmp_path / "mountains.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "mountner", "generate", "--generator", "offline", "--n-sentences", "10", "--gloss-fraction", "0.3",
         "--wiki-fraction", "0.4", "--book-fraction", "0.4", "--output", str(output)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--book-fraction 0.4" in proc.stderr and "more than 1" in proc.stderr
    assert not output.exists()
