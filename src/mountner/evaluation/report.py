"""What evaluate prints: each result's scores, intervals, reliability and errors; the false positives on
mountain-free text and the precision-recall curve, as a table and (with --pr-plot) as a figure."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

import typer

from mountner.atomic_write import open_atomic


def _fmt(value: Optional[float]) -> str:
    """spaCy's scorer gives None where there is nothing to score."""
    return "-" if value is None else f"{value:.3f}"


def print_result(name: str, result: dict) -> None:
    s, sp = result["seqeval"], result["spacy"]
    typer.secho(f"\n== {name}: {result['sentences']} sentences, {result['gold_entities']} gold / {result['predicted_entities']} predicted entities", bold=True)
    typer.echo(f"seqeval (strict IOB2, word level): P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}")
    ci = result.get("seqeval_ci95") or {}
    if ci.get("f1"):
        labelled = (("P", ci["precision"]), ("R", ci["recall"]), ("F1", ci["f1"]))
        typer.echo("  95% intervals (bootstrap over sentences): " + "  ".join(f"{label} {_fmt_interval(v)}" for label, v in labelled))
    typer.echo(f"spaCy scorer (token spans):         P {_fmt(sp['ents_p'])}  R {_fmt(sp['ents_r'])}  F1 {_fmt(sp['ents_f'])}")
    if result["reliability"]:
        typer.echo("confidence band   entities   precision")
        for row in result["reliability"]:
            typer.echo(f"  {row['band']:>13}   {row['entities']:8}   {_fmt(row['precision']):>9}")
    for source, row in result.get("sources", {}).items():
        typer.echo(f"from {source}: {row['entities']} entities, precision {row['precision']:.3f}")
    for origin, row in result.get("by_origin", {}).items():
        typer.echo(f"sentences from {origin}: {row['sentences']}, {row['gold_entities']} gold / {row['predicted_entities']} predicted "
                   f"entities: P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}")
    errors = result["errors"]
    for title, key in (("missed", "missed_by_kind"), ("wrong boundary", "boundary_errors_by_kind"), ("false positives", "false_positives_by_kind")):
        if errors[key]:
            typer.echo(f"{title} by kind: " + ", ".join(f"{k}: {v}" for k, v in errors[key].items()))
    if errors.get("missed_by_tagger_probability"):
        typer.echo("missed by the tagger's highest name probability inside them: "
                   + ", ".join(f"{k}: {v}" for k, v in errors["missed_by_tagger_probability"].items()))


def print_real_rate(real_rate: dict) -> None:
    neg = real_rate["negatives"]
    typer.secho(
        f"\n== mountain-free: {real_rate['negatives_file']}: {neg['false_positives']} false mountains in {neg['sentences']} sentences: "
        f"{_fmt_rate(neg['fp_per_1000'])} per 1,000 sentences (95% interval {_fmt_interval(neg.get('fp_per_1000_ci95'), '.1f')}; "
        f"{neg['sentences_with_false_positive']} sentences with one)",
        bold=True,
    )
    if neg["false_positives_by_kind"]:
        typer.echo("false positives by kind: " + ", ".join(f"{k}: {v}" for k, v in neg["false_positives_by_kind"].items()))
    if real_rate["pr_curve"] is None:
        typer.echo(f"no precision-recall curve: {real_rate.get('pr_curve_note')}")
        return
    pooled = real_rate["pooled"]
    typer.echo(f"precision-recall over ent._.confidence, {' + '.join(pooled['files'])} pooled "
               f"({pooled['sentences']} sentences, {pooled['gold_entities']} gold entities):")
    typer.echo("  threshold   entities   precision   recall     F1   FP/1000")
    for p in real_rate["pr_curve"]:
        typer.echo(f"  {p['threshold']:>9g}   {p['entities']:8}   {_fmt(p['precision']):>9}   {_fmt(p['recall']):>6}  "
                   f"{p['f1']:.3f}   {_fmt_rate(p['fp_per_1000']):>7}")
    if real_rate["plot"]:
        typer.echo(f"drew {real_rate['plot']}")


def _fmt_interval(interval: Optional[Sequence[float]], spec: str = ".3f") -> str:
    return "-" if not interval else f"{interval[0]:{spec}}-{interval[1]:{spec}}"


def _fmt_rate(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f}"


def draw_curve(points: List[dict], title: str, path: Path) -> None:
    """Precision against recall, each point labelled with its threshold; and false positives per
    1,000 mountain-free sentences against the threshold. Written atomically."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    drawn = [p for p in points if p["precision"] is not None and p["recall"] is not None]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot([p["recall"] for p in drawn], [p["precision"] for p in drawn], marker="o", color="#3b7a57")
    # thresholds that keep the same entities share a point: one label, "0-0.3"
    groups: List[List[dict]] = []
    for p in drawn:
        if groups and (groups[-1][0]["recall"], groups[-1][0]["precision"]) == (p["recall"], p["precision"]):
            groups[-1].append(p)
        else:
            groups.append([p])
    for group in groups:
        first, last = group[0]["threshold"], group[-1]["threshold"]
        label = f"{first:g}" if first == last else f"{first:g}-{last:g}"
        left.annotate(label, (group[0]["recall"], group[0]["precision"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    left.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02), title="precision and recall (labels: confidence threshold)")
    left.grid(alpha=0.3)
    right.plot([p["threshold"] for p in points], [p["fp_per_1000"] for p in points], marker="o", color="#b5523b")
    right.set(xlabel="confidence threshold (keep entities at or above)", ylabel="false mountains per 1,000 sentences", title="on mountain-free real sentences")
    right.set_ylim(bottom=0)
    right.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with open_atomic(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110)
    plt.close(fig)
