"""Smoke test of the whole workflow, generate to package, on tiny settings with a tiny random BERT,
then the built wheel loaded in a separate process that does not see the project."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

from mountner.testing.tiny_bert import build_tiny_bert

from conftest import ROOT

# Every sentence from the LLM, so that the fault counts below are about its answers (the real prose that
# generate adds is tested in test_generate_openai.py).
LLM_ONLY = ["--vars.gloss_fraction=0", "--vars.wiki_fraction=0", "--vars.book_fraction=0"]
PROJECT_FILES = ["project.yml", "README.md", "pyproject.toml", "configs", "src", "assets"]


def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{args}\nSTDOUT:\n{result.stdout[-3000:]}\nSTDERR:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    path = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        source, target = ROOT / name, path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return path


def test_all_from_generate_to_an_installable_wheel(project, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = ["--vars.n_sentences=400", "--vars.max_steps=24", "--vars.eval_frequency=12", f"--vars.real_eval={project}/absent.iob"]
    run([sys.executable, "-m", "spacy", "project", "run", "generate", ".", *settings], project)
    texts = pd.read_csv(project / "corpus" / "mountains.csv", keep_default_na=False)["sentence"].unique()
    encoder = build_tiny_bert(texts, project / "tiny-bert")
    run([sys.executable, "-m", "spacy", "project", "run", "all", ".", *settings, f"--vars.transformer={encoder}"], project)

    report = json.loads((project / "corpus" / "convert_report.json").read_text())
    assert report["splits"]["train"]["sentences"] > 200 and report["splits"]["test"]["entities"] > 0
    metrics = json.loads((project / "metrics" / "config.json").read_text())
    assert {"test (unseen names)", "dev (seen names)"} <= set(metrics["results"])
    assert "<!-- results:start -->\n| evaluated on" in (project / "README.md").read_text()

    dist = project / "packages" / "dist"
    assert (dist / "en_mountner-0.1.0-py3-none-any.whl").exists() and list(dist.glob("mountner-*.whl"))
    outside = project / "elsewhere"
    outside.mkdir()
    python = fresh_venv(project / "venv", project / "deps")
    # The README's one pip command, in a venv that has the dependencies but neither mountner nor en_mountner.
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "en_mountner", "--find-links", str(dist)], outside)
    check = (
        "import json, mountner, spacy\n"
        "nlp = spacy.load('en_mountner')\n"
        "doc = nlp('We climbed Mount Kilimanjaro last year.')\n"
        "print(json.dumps({'pipeline': nlp.pipe_names, 'encoder': nlp.meta['mountner_encoder'], 'requirements': nlp.meta['requirements'],"
        " 'mountner': mountner.__file__, 'confidences': [e._.confidence for e in doc.ents], 'probs': [t._.mountner_prob for t in doc]}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(outside)}
    loaded = json.loads(run([str(python), "-c", check], outside, env).stdout.strip().splitlines()[-1])
    assert loaded["pipeline"] == ["sentencizer", "transformer", "mountner_gazetteer", "mountner"]
    assert loaded["mountner"].startswith(str(project / "venv"))  # the wheel's copy, not this source tree
    assert any(r.startswith("mountner>=") for r in loaded["requirements"])
    assert loaded["encoder"]["used"] == str(encoder) and loaded["encoder"]["fallback"] is False
    assert all(0.0 <= c <= 1.0 for c in loaded["confidences"])
    assert len(loaded["probs"]) == 7 and all(0.0 <= p <= 1.0 for p in loaded["probs"])
    # The installed CLI with the installed model.
    predicted = run([str(python), "-m", "mountner", "predict", "--model", "en_mountner", "We climbed Mount Kilimanjaro last year."], outside, env)
    rows = json.loads(predicted.stdout)
    assert [r["word"] for r in rows][2:4] == ["Mount", "Kilimanjaro"] and all(r["entity_group"] in ("MOUNTAIN", "O") for r in rows)


def fresh_venv(folder, deps):
    """A new venv that sees this interpreter's installed packages (spaCy, torch: no download) except mountner
    and en_mountner, which it must get from the wheels. A .pth file names a folder of links to the packages."""
    run([sys.executable, "-m", "venv", str(folder)], folder.parent)
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "mountner" not in entry.name.lower() and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    python = folder / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], folder).stdout.strip())
    (site / "installed_dependencies.pth").write_text(f"{deps}\n")
    return python


def test_generate_step_with_the_openai_backend_against_a_faulty_local_server(project):
    """The LLM issue's acceptance run, through `spacy project run generate`, on 127.0.0.1 only."""
    from mountner.testing.openai_server import LocalOpenAIServer

    from mountner.data.bio import TAGS

    secret = "sk-test-" + "7f3a9c" * 6
    faults = {"429": 0.08, "500": 0.08, "malformed_json": 0.08, "unknown_tag": 0.08, "short_tags": 0.08}
    with LocalOpenAIServer(latency=0.05, probabilities=faults, seed=3, retry_after="0.2") as server:
        env = {**os.environ, "OPENAI_API_KEY": secret, "OPENAI_BASE_URL": server.base_url}
        result = subprocess.run(
            [sys.executable, "-m", "spacy", "project", "run", "generate", ".", "--vars.generator=openai", "--vars.n_sentences=150",
             "--vars.concurrency=8", *LLM_ONLY],
            cwd=project, capture_output=True, text=True, env=env,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert 1 < server.max_in_flight <= 8
    rows = pd.read_csv(project / "corpus" / "mountains.csv", keep_default_na=False)
    assert rows["sentence_id"].nunique() >= 150 and rows.groupby("sentence_id")["sentence"].first().is_unique
    assert set(rows["tag"]) <= set(TAGS)
    previous = rows["tag"].shift(1).where(rows["sentence_id"] == rows["sentence_id"].shift(1), "O")
    assert not ((rows["tag"].str.startswith("I-")) & (previous == "O")).any()
    report = json.loads((project / "corpus" / "raw" / "openai_report.json").read_text())
    assert report["failures"] + sum(report["dropped"].values()) > 0  # the faults were met, and survived
    written = [p for p in project.rglob("*") if p.is_file() and p.suffix in (".csv", ".json", ".jsonl", ".lock", ".txt")]
    assert written and not any(secret in p.read_text(errors="ignore") for p in written)
    assert secret not in result.stdout + result.stderr


def test_generate_step_with_the_batch_api_against_a_local_server(project):
    """The batch issue's acceptance run: `--vars.llm_api=batch` through `spacy project run generate`, 127.0.0.1 only."""
    from mountner.testing.openai_server import LocalOpenAIServer

    shutil.rmtree(project / "corpus" / "raw", ignore_errors=True)  # no answers from another test to resume from
    secret = "sk-test-" + "9b2e4d" * 6
    faults = {2: "500", 5: "malformed_json", 9: "unknown_tag", 13: "short_tags"}
    with LocalOpenAIServer(batch_line_faults=faults, batch_outcomes=["expired"]) as server:
        env = {**os.environ, "OPENAI_API_KEY": secret, "OPENAI_BASE_URL": server.base_url, "MOUNTNER_BATCH_POLL_SECONDS": "0.05"}
        result = subprocess.run(
            [sys.executable, "-m", "spacy", "project", "run", "generate", ".", "--vars.generator=openai", "--vars.llm_api=batch",
             "--vars.n_sentences=200", *LLM_ONLY],
            cwd=project, capture_output=True, text=True, env=env,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.batches_created == 2  # the expired one, then its unanswered half again
    rows = pd.read_csv(project / "corpus" / "mountains.csv", keep_default_na=False)
    assert rows["sentence_id"].nunique() == 200
    report = json.loads((project / "corpus" / "raw" / "openai_report.json").read_text())
    batch = report["batch"]
    assert report["llm_api"] == "batch" and report["written"] == 200 and batch["requests_given_up"] == 0
    assert batch["requests_submitted"] == batch["requests_unique"] + batch["requests_resubmitted"] > batch["requests_unique"]
    assert report["sentences_received"] == report["accepted_this_run"] + sum(report["dropped"].values())
    assert report["failures_by_reason"]["http_500"] == 1 and report["dropped"]["unknown_tag"] > 0
    written = [p for p in (project / "corpus").rglob("*") if p.is_file()]
    assert not any(secret in p.read_text(errors="ignore") for p in written)
    assert secret not in result.stdout + result.stderr
