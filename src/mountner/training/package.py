"""Build the installable model, en_<name>, and the mountner wheel it depends on, both into <output-dir>/dist.

The model wheel carries no code: its config names mountner's registered functions, which the mountner
package provides through entry points, so `spacy package` writes `mountner` into the wheel's requirements
by itself. `pip install en_mountner --find-links packages/dist` then installs both."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import typer
from spacy.cli.package import package as spacy_package

from mountner.paths import PROJECT_ROOT
from mountner.training.package_meta import GENERATION_REPORT, Generator, write_meta


def build_mountner_wheel(dist: Path) -> Path:
    """The mountner wheel, built from this checkout without fetching anything."""
    for old in dist.glob("mountner-*.whl"):  # so that the wheel found below is this build's
        old.unlink()
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--no-build-isolation", "--wheel-dir", str(dist), str(PROJECT_ROOT)]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(dist.glob("mountner-*.whl"))
    if result.returncode != 0 or not wheels:
        typer.secho(f"package: building the mountner wheel from {PROJECT_ROOT} failed:\n{result.stderr.strip()}", fg="red", err=True)
        raise typer.Exit(1)
    return wheels[-1]


def main(
    model: Path = typer.Argument(..., help="Trained pipeline (training/<config>/model-best)"),
    output_dir: Path = typer.Option(Path("packages"), help="Where spaCy's package folder goes; the wheels go into its dist/"),
    metrics: Path = typer.Option(..., help="The evaluate step's JSON (its figures go into the meta)"),
    encoder_record: Path = typer.Option(Path("training/encoder/mountner_encoder.json"), help="The encoder step's record"),
    meta_output: Path = typer.Option(Path("training/meta.json"), help="Where the merged meta.json is written"),
    name: str = typer.Option("mountner", help="Package name, without the en_ prefix"),
    version: str = typer.Option("0.1.0", help="Package version"),
    generator: Generator = typer.Option(Generator.auto, help="Which generator made the training data (for Sources)"),
    llm_model: str = typer.Option("gpt-4o-mini", help="The LLM that generated the data, when it did"),
    generation_report: Path = typer.Option(GENERATION_REPORT, help="The LLM generator's report: its prompt version goes into the meta"),
):
    """Build en_<name> (the model, with its encoder record and metrics in its meta) and the mountner wheel."""
    real_sentence = write_meta(model, encoder_record, metrics, meta_output, name, version, generator, llm_model, generation_report)
    typer.echo(real_sentence)  # write_meta has checked model/meta.json, the encoder record and the metrics
    output_dir.mkdir(parents=True, exist_ok=True)
    spacy_package(model, output_dir, meta_path=meta_output, name=name, version=version,
                  create_sdist=False, create_wheel=True, force=True, silent=False)
    dist = output_dir / "dist"
    dist.mkdir(exist_ok=True)
    built = output_dir / f"en_{name}-{version}" / "dist" / f"en_{name}-{version}-py3-none-any.whl"
    if not built.exists():
        typer.secho(f"package: spacy package did not write {built}", fg="red", err=True)
        raise typer.Exit(1)
    model_wheel = Path(shutil.copy2(built, dist / built.name))
    code_wheel = build_mountner_wheel(dist)
    typer.echo(f"wrote {model_wheel} and {code_wheel}\ninstall: pip install en_{name} --find-links {dist}")
