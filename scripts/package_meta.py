"""Write the meta.json that `spacy package` ships: description, licence, the encoder actually used
and the measured metrics (from the evaluate step's JSON)."""
from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(add_completion=False)

DESCRIPTION = (
    "MountNER: finds mountain names (peaks, volcanoes, hills, ridges, massifs, ranges) in English text. "
    "A transformer plus the mountner entity tagger, trained on generated sentences only. "
    "Every entity has ent._.confidence."
)


def metric_summary(metrics: dict) -> dict:
    return {
        name: {"precision": round(r["seqeval"]["precision"], 4), "recall": round(r["seqeval"]["recall"], 4), "f1": round(r["seqeval"]["f1"], 4), "sentences": r["sentences"]}
        for name, r in metrics["results"].items()
    }


@app.command()
def main(
    model: Path = typer.Argument(..., help="Trained pipeline folder (its meta.json is the base)"),
    encoder_record: Path = typer.Option(Path("training/encoder/mountner_encoder.json")),
    metrics: Path = typer.Option(Path("metrics/mountner.json")),
    output: Path = typer.Option(Path("training/meta.json")),
    name: str = typer.Option("mountner"),
    version: str = typer.Option("0.1.0"),
):
    """Merge the trained pipeline's meta with what MountNER measured."""
    meta = json.loads((model / "meta.json").read_text())
    for path in (encoder_record, metrics):
        if not path.exists():
            typer.secho(f"package_meta: {path} not found; run the encoder and evaluate steps first", fg="red", err=True)
            raise typer.Exit(1)
    meta.update(
        name=name,
        version=version,
        description=DESCRIPTION,
        license="MIT",
        author="MountNER developers",
        mountner_encoder=json.loads(encoder_record.read_text()),
        mountner_metrics=metric_summary(json.loads(metrics.read_text())),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(meta, indent=2))
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    app()
