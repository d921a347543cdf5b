"""benchmark-workflow: a workflow run step by step in a fresh clone of HEAD, timed; JSON and the README's runtime
line written only when every step succeeded."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mountner.benchmarks.workflow import END, START, main, project_vars

PROJECT = """\
vars:
  word: "hi"
workflows:
  all:
    - write
    - check
commands:
  - name: write
    script:
      - "python -c \\"import pathlib; pathlib.Path('metrics').mkdir(); pathlib.Path('metrics/out.json').write_text('\\\\\\"${vars.word}\\\\\\"')\\""
    outputs:
      - "metrics/out.json"
  - name: check
    script:
      - "python -c \\"import os; assert os.environ['PYTHONPATH'].startswith(os.path.abspath('src'))\\""
      - "python -c \\"import json, sys; sys.exit(0 if json.load(open('metrics/out.json')) != 'fail' else 3)\\""
  - name: results
    script:
      - "python -c \\"import json; open('results.txt', 'w').write(json.load(open('metrics/out.json')))\\""
"""


def make_repo(path: Path) -> Path:
    path.mkdir()
    (path / "project.yml").write_text(PROJECT)
    (path / "README.md").write_text(f"# Toy\n\n{START}\nnot measured yet\n{END}\n")
    (path / ".gitignore").write_text("/metrics/\nresults.txt\nproject.lock\n")
    for command in (["init", "--quiet"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "toy"]):
        subprocess.run(["git", *command], cwd=path, check=True)
    return path


def run(repo: Path, **options):
    settings = dict(repo=repo, workflow="all", var=[], workdir=repo.parent / "clone", keep=False, results=True,
                    output=Path("metrics/workflow.json"), readme=Path("README.md"))
    main(**{**settings, **options})


def test_each_step_is_timed_in_a_clone_of_head_and_the_readme_line_written(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "README.md").write_text((repo / "README.md").read_text() + "uncommitted\n")  # not in the clone, and said so
    run(repo, var=["word=hello"], keep=True)

    result = json.loads((repo / "metrics" / "workflow.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert result["commit"] == head and result["uncommitted_changes_left_out"] is True
    assert [s["step"] for s in result["steps"]] == ["write", "check"]
    assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 1 and s["exit_code"] == 0 for s in result["steps"])
    assert result["total_seconds"] >= sum(s["seconds"] for s in result["steps"])
    assert result["vars"] == ["--vars.word=hello"]
    assert json.loads((tmp_path / "clone" / "metrics" / "out.json").read_text()) == "hello"  # the var reached the step
    # The clone's metrics came back and the repository's results step ran on them.
    assert json.loads((repo / "metrics" / "out.json").read_text()) == "hello"
    assert (repo / "results.txt").read_text() == "hello"
    readme = (repo / "README.md").read_text()
    block = readme[readme.index(START):readme.index(END)]
    assert "not measured yet" not in block and "took **" in block and head[:7] in block and "write " in block
    assert "--vars.word=hello" in block and "benchmark-workflow" in block


def test_a_failed_step_is_named_and_changes_nothing(tmp_path):
    repo = make_repo(tmp_path / "repo")
    before = (repo / "README.md").read_text()
    with pytest.raises(SystemExit, match="step 'check' failed .*exit code 3.*clone is kept"):
        run(repo, var=["word=fail"])
    assert (repo / "README.md").read_text() == before
    assert not (repo / "metrics" / "workflow.json").exists()
    assert (tmp_path / "clone" / "workflow.log").exists()


def test_bad_settings_are_refused_before_any_work(tmp_path):
    repo = make_repo(tmp_path / "repo")
    with pytest.raises(SystemExit, match="KEY=VALUE.*seed1"):
        project_vars(["seed1"])
    with pytest.raises(SystemExit, match="has no workflow 'nope'"):
        run(repo, workflow="nope")
    (tmp_path / "clone").mkdir()
    with pytest.raises(SystemExit, match="clone exists"):
        run(repo)
    (repo / "README.md").write_text("# no markers\n")
    with pytest.raises(SystemExit, match="no <!-- workflow-time:start -->"):
        run(repo, workdir=tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_the_command_is_on_the_cli():
    result = subprocess.run([sys.executable, "-m", "mountner", "benchmark-workflow", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "fresh clone" in result.stdout
