"""Write the results tables from the evaluate step's JSON files (no figure typed by hand): a compact one, the
shipped pipeline's scores, into the README, and the full ones (every pipeline, by origin, confidence, the
threshold curve, paired differences) into docs/evaluation.md."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import List, Optional, Tuple

import typer

from mountner.atomic_write import open_atomic, write_text_atomic


START, END = "<!-- results:start -->", "<!-- results:end -->"
FULL_START, FULL_END = "<!-- results-full:start -->", "<!-- results-full:end -->"
SHOWN_THRESHOLDS = (0.0, 0.5, 0.7, 0.9, 0.95)


def confident_share(result: dict) -> str:
    bands = result.get("reliability") or []
    total = sum(b["entities"] for b in bands)
    top = bands[-1] if bands else None
    if not total or not top or top["precision"] is None:
        return "-"
    return f"{top['entities'] / total:.0%} at >= 0.9, precision {top['precision']:.3f}"


def _interval(interval: Optional[List[float]], spec: str) -> str:
    """' (low-high)', a 95% bootstrap interval evaluate wrote; empty for metrics written before it did."""
    return f" ({interval[0]:{spec}}-{interval[1]:{spec}})" if interval else ""


def check_block(page: Path, start: str, end: str) -> str:
    """page's text, where it holds the start and end markers; else exit with one line naming page and marker."""
    if not page.is_file():
        raise SystemExit(f"error: {page} not found: the table was not written there (the JSON was)")
    text = page.read_text(encoding="utf8")
    if start not in text or end not in text:
        raise SystemExit(f"error: {page} has no {start} ... {end} block: the table was not written there (the JSON was)")
    return text


def replace_block(page: Path, start: str, end: str, content: str) -> None:
    """Replace what stands between the start and end markers in a markdown page (both kept).

    Callers write their JSON first, so a page without the markers costs only the table: one line, no traceback.
    """
    replace_blocks([(page, start, end, content)])


def replace_blocks(blocks: List[Tuple[Path, str, str, str]]) -> None:
    """replace_block for (page, start, end, content) each, with every page's markers checked before any is written."""
    texts = [check_block(page, start, end) for page, start, end, _ in blocks]
    for (page, start, end, content), text in zip(blocks, texts):
        block = f"{start}\n{content}\n{end}"
        write_text_atomic(page, re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S))


def not_measured(skipped: List[dict], kind: str, nothing_given: str) -> str:
    why = "; ".join(f"{item['path']} {item['reason']}" for item in skipped if item.get("kind", "real") == kind)
    return f"**not measured** ({why or nothing_given})"


def not_measured_rows(data: dict) -> List[str]:
    """The first cell of a row for each real annotated file that was given but absent, or one row saying none
    was given where nothing real was measured."""
    skipped = [item for item in data["meta"].get("skipped") or [] if item.get("kind", "real") == "real"]
    rows = [f"real text: {not_measured([item], 'real', '')}" for item in skipped]
    if not rows and not any(name.startswith("real: ") for name in data["results"]):
        rows = [f"real text: {not_measured([], 'real', 'no real-text file given to evaluate')}"]
    return rows


def encoder_name(data: dict) -> str:
    """The encoder a metrics file's pipeline used, as evaluate recorded it."""
    record = data["meta"].get("encoder") or {}
    return record.get("used", "see meta") + (f" (first {record['layers']} layers)" if record.get("fallback") and "layers" in record else "")


def table(metrics_files: List[Path]) -> str:
    """Every pipeline's every row: the full table, for docs/evaluation.md."""
    lines = [
        "| pipeline | encoder | evaluated on | sentences | precision | recall | F1 (95% interval) | confidence "
        "| false names per 1,000 mountain-free sentences (95% interval) |",
        "|---|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for path in metrics_files:
        data = json.loads(path.read_text())
        encoder = encoder_name(data)
        pipeline = " + ".join(data["meta"]["pipeline"])
        for name, r in data["results"].items():
            s, f1_interval = r["seqeval"], (r.get("seqeval_ci95") or {}).get("f1")
            lines.append(
                f"| {pipeline} | {encoder} | {name} | {r['sentences']} | {s['precision']:.3f} | {s['recall']:.3f} | "
                f"{s['f1']:.3f}{_interval(f1_interval, '.3f')} | {confident_share(r)} | - |"
            )
            for origin, o in (r.get("by_origin") or {}).items():
                lines.append(f"| {pipeline} | {encoder} | {name}, sentences from {origin} | {o['sentences']} | {o['precision']:.3f} | "
                             f"{o['recall']:.3f} | {o['f1']:.3f} | - | - |")
        skipped = data["meta"].get("skipped") or []
        for real in not_measured_rows(data):
            # Without these rows the table would show only what was measured, and an absent file would go unseen.
            lines.append(f"| {pipeline} | {encoder} | {real} | - | - | - | - | - | - |")
        rate = data.get("real_rate")
        if rate is not None:
            neg = rate["negatives"]
            lines.append(
                f"| {pipeline} | {encoder} | mountain-free: {rate['negatives_file']} | {neg['sentences']} | - | - | - | - | "
                f"{neg['fp_per_1000']:.1f}{_interval(neg.get('fp_per_1000_ci95'), '.1f')} ({neg['false_positives']} found) |"
            )
        else:
            free = not_measured(skipped, "mountain-free", "no mountain-free file given to evaluate")
            lines.append(f"| {pipeline} | {encoder} | mountain-free real text: {free} | - | - | - | - | - | - |")
    return "\n".join(lines)


def compared_label(main: dict, other: dict, path: Path) -> str:
    """What sets another pipeline apart from the main one: its own components (`ner`), else its file's name."""
    own = [name for name in other["meta"]["pipeline"] if name not in main["meta"]["pipeline"]]
    return " + ".join(f"`{name}`" for name in own) if own else f"`{path.stem}`"


def _rate_cell(data: dict) -> Optional[str]:
    rate = data.get("real_rate")
    return None if rate is None else f"{rate['negatives']['fp_per_1000']:.1f}"


def compact_table(metrics_files: List[Path]) -> str:
    """The first pipeline (the shipped one) on each set it was scored on, one row a set; every other pipeline
    as one column holding its F1 (or its false names) on the same set. For the README."""
    (main_path, *other_paths) = metrics_files
    main = json.loads(main_path.read_text())
    others = [(path, json.loads(path.read_text())) for path in other_paths]
    labels = [compared_label(main, data, path) for path, data in others]
    header = "| evaluated on | sentences | precision | recall | F1 (95% interval) | false names per 1,000 mountain-free sentences (95% interval) |"
    lines = [header + "".join(f" {label} instead: F1 / false names |" for label in labels), "|---|---:|---:|---:|---:|---:|" + "---:|" * len(others)]
    for name, r in main["results"].items():
        s, f1_interval = r["seqeval"], (r.get("seqeval_ci95") or {}).get("f1")
        compared = [f"{data['results'][name]['seqeval']['f1']:.3f}" if name in data["results"] else "-" for _, data in others]
        lines.append(" | ".join([f"| {name}", str(r["sentences"]), f"{s['precision']:.3f}", f"{s['recall']:.3f}",
                                 f"{s['f1']:.3f}{_interval(f1_interval, '.3f')}", "-", *compared]) + " |")
    skipped = main["meta"].get("skipped") or []
    for real in not_measured_rows(main):
        lines.append(f"| {real} | - | - | - | - | - |" + " - |" * len(others))
    rate = main.get("real_rate")
    if rate is not None:
        neg = rate["negatives"]
        compared = [_rate_cell(data) if (data.get("real_rate") or {}).get("negatives_file") == rate["negatives_file"] else None for _, data in others]
        lines.append(f"| mountain-free: {rate['negatives_file']} | {neg['sentences']} | - | - | - | "
                     f"{neg['fp_per_1000']:.1f}{_interval(neg.get('fp_per_1000_ci95'), '.1f')} ({neg['false_positives']} found) |"
                     + "".join(f" {cell or '-'} |" for cell in compared))
    else:
        free = not_measured(skipped, "mountain-free", "no mountain-free file given to evaluate")
        lines.append(f"| mountain-free real text: {free} | - | - | - | - | - |" + " - |" * len(others))
    pipeline, encoder = " + ".join(main["meta"]["pipeline"]), encoder_name(main)
    lines += ["", f"Pipeline: `{pipeline}` over {encoder}."]
    for label, (path, data) in zip(labels, others):
        other_encoder = encoder_name(data)
        lines[-1] += (f" {label} instead: `{' + '.join(data['meta']['pipeline'])}` over "
                      f"{'the same encoder' if other_encoder == encoder else other_encoder} (`{path}`).")
    return "\n".join(lines)


def curve_section(metrics_files: List[Path], figure: Optional[Path], page: Path) -> str:
    """The first pipeline's precision-recall curve: its picture copied to figure (for page to show), and
    a few thresholds. Empty where no metrics file has a curve."""
    for path in metrics_files:
        data = json.loads(path.read_text())
        rate = data.get("real_rate") or {}
        if not rate.get("pr_curve"):
            continue
        pipeline = " + ".join(data["meta"]["pipeline"])
        pooled = rate["pooled"]
        lines = [
            f"Precision and recall of `{pipeline}` over `ent._.confidence` thresholds (keep entities at or above), "
            f"on {' + '.join(pooled['files'])} pooled ({pooled['sentences']} real sentences, {pooled['gold_entities']} gold mountains):",
            "",
        ]
        plot = Path(rate["plot"]) if rate.get("plot") else None
        if figure is not None and plot is not None and plot.exists():
            with open_atomic(figure, "wb") as handle:
                handle.write(plot.read_bytes())
            lines += [f"![precision against recall over confidence thresholds]({os.path.relpath(figure, page.parent)})", ""]
        lines += ["| threshold | precision | recall | false names per 1,000 mountain-free sentences |", "|---:|---:|---:|---:|"]
        for p in rate["pr_curve"]:
            if p["threshold"] in SHOWN_THRESHOLDS:
                lines.append(f"| {p['threshold']:g} | {_fmt(p['precision'])} | {_fmt(p['recall'])} | {p['fp_per_1000']:.1f} |")
        return "\n".join(lines)
    return ""


def paired_change(row: dict, spec: str) -> str:
    """'+0.068 (+0.037 to +0.101)': a paired difference B - A (compare_models) with its 95% interval."""
    interval = row["difference_ci95"]
    return f"{row['difference']:+{spec}}" + (f" ({interval[0]:+{spec}} to {interval[1]:+{spec}})" if interval else "")


def paired_lines(comparison: dict) -> List[str]:
    """compare_models' result as a markdown table, for docs/evaluation.md and the console alike."""
    lines = [
        f"Paired differences, B = `{comparison['b']}` minus A = `{comparison['a']}`, on the same sentences "
        "(2,000 resamples of whole sentences, each scoring both models; `python -m mountner compare`):",
        "",
        "| evaluated on | metric | A | B | B - A (95% paired interval) | resamples with B higher |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, metrics in comparison["compared"].items():
        for metric, row in metrics.items():
            spec = ".1f" if metric.startswith("false names") else ".3f"
            lines.append(f"| {name} | {metric} | {row['a']:{spec}} | {row['b']:{spec}} | {paired_change(row, spec)} | {row['share_b_higher']:.1%} |")
    return lines


def paired_section(path: Path) -> str:
    """The paired differences that compare_models wrote (two models, the same sentences); empty where none."""
    comparison = json.loads(path.read_text())
    return "\n".join(paired_lines(comparison)) if comparison["compared"] else ""


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(
    metrics: List[Path] = typer.Argument(..., help="metrics/*.json from the evaluate step, the shipped pipeline's first; missing ones are skipped"),
    readme: Path = typer.Option(Path("README.md"), help="Page for the compact table (the first pipeline, between the results markers)"),
    docs_page: Path = typer.Option(Path("docs/evaluation.md"), "--docs",
                                   help="Page for the full tables (between the results-full markers); skipped with a note where absent"),
    figure: Optional[Path] = typer.Option(None, help="Copy the precision-recall picture here for the docs page to show (e.g. docs/pr_curve.png)"),
    paired: Optional[Path] = typer.Option(None, help="compare_models' JSON (two models on the same sentences) to show under the full table; "
                                          "skipped where absent"),
):
    """Write the compact results table into the README and the full tables into the docs page."""
    found = [p for p in metrics if p.exists()]
    if not found:
        typer.secho("results_table: no metrics file found; run the evaluate step first", fg="red", err=True)
        raise typer.Exit(1)
    check_block(readme, START, END)
    with_docs = docs_page.is_file()
    if with_docs:
        check_block(docs_page, FULL_START, FULL_END)
    else:
        typer.echo(f"results_table: {docs_page} not found: only the README's compact table is written")
    curve = curve_section(found, figure, docs_page)
    full_table = table(found)
    content = f"{full_table}\n\n" + (f"{curve}\n\n" if curve else "")
    try:
        pairs = paired_section(paired) if paired is not None and paired.exists() else ""
    except (ValueError, KeyError, TypeError) as err:
        typer.secho(f"results_table: {paired}: not a comparison that compare_models wrote ({err!r})", fg="red", err=True)
        raise typer.Exit(1)
    content += f"{pairs}\n\n" if pairs else ""
    written_by = f"Written by `python -m spacy project run results` from {', '.join(f'`{p}`' for p in found)}."
    content += written_by
    compact = compact_table(found)
    if with_docs:
        link = os.path.relpath(docs_page, readme.parent)
        compact += f" Every pipeline, scores by origin of the sentences, confidences, the precision-recall curve and paired differences: [{link}]({link})."
    compact += "\n\n"
    blocks = [(readme, START, END, compact + written_by)] + ([(docs_page, FULL_START, FULL_END, content)] if with_docs else [])
    replace_blocks(blocks)
    typer.echo(full_table)
