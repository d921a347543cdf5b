"""Write the README's results table from the evaluate step's JSON files (no figure typed by hand)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List

import typer

app = typer.Typer(add_completion=False)

START, END = "<!-- results:start -->", "<!-- results:end -->"


def confident_share(result: dict) -> str:
    bands = result.get("reliability") or []
    total = sum(b["entities"] for b in bands)
    top = bands[-1] if bands else None
    if not total or not top or top["precision"] is None:
        return "-"
    return f"{top['entities'] / total:.0%} at >= 0.9, precision {top['precision']:.3f}"


def replace_block(readme: Path, start: str, end: str, content: str) -> None:
    """Replace what stands between the start and end markers in readme (both kept)."""
    text = readme.read_text(encoding="utf8")
    if start not in text or end not in text:
        raise ValueError(f"{readme} has no {start} ... {end} block")
    block = f"{start}\n{content}\n{end}"
    readme.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S), encoding="utf8")


def table(metrics_files: List[Path]) -> str:
    lines = [
        "| pipeline | encoder | evaluated on | sentences | precision | recall | F1 | confidence |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for path in metrics_files:
        data = json.loads(path.read_text())
        encoder = (data["meta"].get("encoder") or {}).get("used", "see meta")
        pipeline = " + ".join(data["meta"]["pipeline"])
        for name, r in data["results"].items():
            s = r["seqeval"]
            lines.append(
                f"| {pipeline} | {encoder} | {name} | {r['sentences']} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {confident_share(r)} |"
            )
        if not any(name.startswith("real: ") for name in data["results"]):
            # Without this row the table would show only scores on generated data.
            skipped = data["meta"].get("skipped") or []
            why = "; ".join(f"{item['path']} {item['reason']}" for item in skipped) or "no real-text file given to evaluate"
            lines.append(f"| {pipeline} | {encoder} | real text: **not measured** ({why}) | - | - | - | - | - |")
    return "\n".join(lines)


@app.command()
def main(
    metrics: List[Path] = typer.Argument(..., help="metrics/*.json from the evaluate step; missing ones are skipped"),
    readme: Path = typer.Option(Path("README.md")),
):
    """Replace the block between the results markers in README with a fresh table."""
    found = [p for p in metrics if p.exists()]
    if not found:
        typer.secho("results_table: no metrics file found; run the evaluate step first", fg="red", err=True)
        raise typer.Exit(1)
    content = f"{table(found)}\n\nWritten by `python -m spacy project run results` from {', '.join(f'`{p}`' for p in found)}."
    try:
        replace_block(readme, START, END, content)
    except ValueError as err:
        typer.secho(f"results_table: {err}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(table(found))


if __name__ == "__main__":
    app()
