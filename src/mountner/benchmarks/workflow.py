"""benchmark-workflow: how long a new user's `python -m spacy project run all` takes, and its peak memory, step
by step, measured in a fresh clone of the repository's HEAD (no corpus, no encoder, no model yet). Writes JSON
and the README's runtime line, so that figure is measured, not typed. With --results (the default) the
clone's metrics come back into metrics/ and the `results` step writes the README's tables from them: every
figure on the front page then comes from one run of the committed code.

The clone goes beside the repository (as `<repo>-workflow-<commit>`), so that the real-text files that
project.yml names relative to it (`../shared/data/...`) are found there as well. Timings are wall time on
this machine: run it alone."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import srsly
import typer

from mountner.atomic_write import write_text_atomic
from mountner.benchmarks.inference import machine
from mountner.evaluation.tables import check_block, replace_blocks

START, END = "<!-- workflow-time:start -->", "<!-- workflow-time:end -->"


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout.strip()


def workflow_steps(repo: Path, workflow: str) -> List[str]:
    """The steps of one workflow of project.yml as committed (what the clone will run), in order."""
    steps = (srsly.yaml_loads(git(repo, "show", "HEAD:project.yml")).get("workflows") or {}).get(workflow)
    if not steps:
        raise SystemExit(f"error: project.yml at HEAD of {repo} has no workflow {workflow!r}")
    return list(steps)


def project_vars(assignments: List[str]) -> List[str]:
    """--var KEY=VALUE options as weasel's --vars.KEY=VALUE arguments; a malformed one is named."""
    bad = [a for a in assignments if "=" not in a or not a.split("=", 1)[0].strip()]
    if bad:
        raise SystemExit(f"error: --var takes KEY=VALUE (a var of project.yml), got: {', '.join(bad)}")
    return [f"--vars.{a.split('=', 1)[0].strip()}={a.split('=', 1)[1]}" for a in assignments]


def run_step(step: str, project_dir: Path, args: List[str], log: Path) -> dict:
    """`spacy project run STEP` with its output shown and logged; wall seconds and the peak resident memory of
    its largest process (wait4's ru_maxrss covers the step's whole process tree, as /usr/bin/time's does)."""
    # The clone's own package, not the one installed (editable, from the repository): a new user's clone runs its own.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(project_dir / "src"), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "spacy", "project", "run", step, ".", *args], cwd=project_dir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Bytes as they come: progress bars keep their carriage returns (a text pipe would make each update a line).
    with log.open("ab") as handle:
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            _show(chunk)
            handle.write(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait for it again
    process.stdout.close()
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return {"step": step, "seconds": time.perf_counter() - start, "peak_rss_mb": usage.ru_maxrss * scale / 1024**2,
            "exit_code": process.returncode}


def _show(chunk: bytes) -> None:
    sys.stdout.flush()  # what was echoed before goes first
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    else:  # a text-only stream (some consoles and captures)
        sys.stdout.write(chunk.decode("utf8", errors="replace"))


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest} s"


def runtime_line(result: dict) -> str:
    steps = ", ".join(f"{s['step']} {duration(s['seconds'])}" for s in result["steps"])
    heaviest = max(result["steps"], key=lambda s: s["peak_rss_mb"])
    settings = f" with {' '.join(result['vars'])}" if result["vars"] else ""
    return (f"`python -m spacy project run {result['workflow']}`{settings} took **{duration(result['total_seconds'])}** in a fresh "
            f"clone of {result['commit'][:7]} ({steps}); peak memory {heaviest['peak_rss_mb'] / 1024:.1f} GB ({heaviest['step']}). "
            f"Machine: {result['machine']}. The installs of the README's first command are not counted.")


def main(
    repo: Path = typer.Option(Path("."), help="The repository whose HEAD is measured (uncommitted changes are not in the clone)"),
    workflow: str = typer.Option("all", help="The workflow of project.yml to run"),
    var: List[str] = typer.Option([], "--var", help="A project var for every step, KEY=VALUE (repeat the option)"),
    workdir: Optional[Path] = typer.Option(None, help="Where to clone (must not exist); default: beside the repository"),
    keep: bool = typer.Option(False, help="Keep the clone after a successful run (a failed run's clone is always kept)"),
    results: bool = typer.Option(True, help="Copy the clone's metrics/ into the repository's and run its `results` step"),
    output: Path = typer.Option(Path("metrics/workflow.json"), help="The JSON, relative to the repository"),
    readme: Optional[Path] = typer.Option(Path("README.md"), help="Page for the runtime line (between the workflow-time "
                                                                   "markers), relative to the repository; skipped where absent"),
):
    """Run a workflow in a fresh clone, time each step, write JSON and the README's runtime line."""
    repo = repo.resolve()
    commit = git(repo, "rev-parse", "HEAD")
    dirty = bool(git(repo, "status", "--porcelain", "--untracked-files=no"))
    if dirty:
        typer.secho(f"warning: {repo} has uncommitted changes; the clone measures {commit[:7]} without them", fg="yellow", err=True)
    page = repo / readme if readme is not None and (repo / readme).is_file() else None
    if page is not None:
        check_block(page, START, END)  # before an hour of work, not after it
    clone = (workdir or repo.parent / f"{repo.name}-workflow-{commit[:7]}").resolve()
    if clone.exists():
        raise SystemExit(f"error: {clone} exists; give another --workdir or remove it")
    args = project_vars(var)
    steps = workflow_steps(repo, workflow)
    git(repo, "clone", "--quiet", "--no-hardlinks", str(repo), str(clone))
    log = clone / "workflow.log"
    typer.echo(f"{workflow} ({', '.join(steps)}) in {clone}; each step's output is also in {log}")
    measured, started = [], time.perf_counter()
    for number, step in enumerate(steps, 1):
        typer.secho(f"[{number}/{len(steps)}] {step}", bold=True)
        record = run_step(step, clone, args, log)
        if record["exit_code"] != 0:
            raise SystemExit(f"error: step {step!r} failed (exit code {record['exit_code']}) after {duration(record['seconds'])}; "
                             f"its output is above and in {log}; the clone is kept; {repo / output} and the README were not changed")
        measured.append(record)
        typer.echo(f"[{number}/{len(steps)}] {step}: {duration(record['seconds'])}, peak {record['peak_rss_mb']:.0f} MB")
    result = {
        "commit": commit, "uncommitted_changes_left_out": dirty, "workflow": workflow, "vars": args, "machine": machine(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "clone": str(clone),
        "total_seconds": time.perf_counter() - started, "steps": measured,
    }
    write_text_atomic(repo / output, json.dumps(result, indent=2))
    line = runtime_line(result)
    typer.echo(line)
    if results and (clone / "metrics").is_dir():
        shutil.copytree(clone / "metrics", repo / "metrics", dirs_exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "spacy", "project", "run", "results", "."], cwd=repo)
        if done.returncode != 0:
            raise SystemExit(f"error: the results step failed in {repo} (exit code {done.returncode}); the runtime is in {repo / output}")
    if page is not None:
        replace_blocks([(page, START, END, f"{line}\n\nWritten by `python -m mountner benchmark-workflow` ({output}).")])
    if not keep:
        shutil.rmtree(clone)
