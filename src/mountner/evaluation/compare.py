"""compare_models: how far model B is from model A on the same sentences, with 95% paired bootstrap
intervals of the differences (B - A) in precision, recall, F1 and false names per 1,000 sentences.

Two separate intervals (evaluate's) overlap long after the models differ, because most of their width
is which sentences happened to be drawn, and both models share that draw. Resampling the sentences
once for both models cancels it: the paired interval is of the difference itself. Reads two metrics
JSON files that evaluate wrote; compares every file both scored on the same sentences.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy
import typer

from mountner.atomic_write import write_text_atomic
from mountner.evaluation.evaluate import NEGATIVES_PREFIX
from mountner.evaluation.intervals import bootstrap_sums, interval95, prf_from_counts
from mountner.evaluation.tables import paired_lines



class MetricsError(ValueError):
    """A metrics file that cannot be read or compared; the message names the file."""


def read_metrics(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except (OSError, json.JSONDecodeError) as err:
        raise MetricsError(f"{path}: not a metrics JSON that evaluate wrote ({err})") from err
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise MetricsError(f"{path}: no 'results' object; give a metrics JSON that evaluate wrote")
    return data


def _per_sentence(path: Path, metrics: dict, name: str) -> Optional[Tuple[str, numpy.ndarray]]:
    """(fingerprint, counts) for one scored file, or None where evaluate wrote no per-sentence counts (an older file)."""
    record = (metrics.get("per_sentence") or {}).get(name)
    if record is None:
        return None
    field = "false_positives" if name.startswith(NEGATIVES_PREFIX) else "right_predicted_gold"
    try:
        counts = numpy.asarray(record[field], dtype="int64")
        fingerprint = record["sentences_sha1"]
    except (KeyError, TypeError, ValueError) as err:
        raise MetricsError(f"{path}: per_sentence[{name!r}] has no list of counts in {field!r} ({err})") from err
    shape_ok = counts.ndim == 1 if field == "false_positives" else (counts.ndim == 2 and counts.shape[1] == 3) or counts.size == 0
    if not shape_ok:
        raise MetricsError(f"{path}: per_sentence[{name!r}].{field} has shape {counts.shape}; "
                           f"expected {'one count' if field == 'false_positives' else 'three counts'} per sentence")
    return fingerprint, counts


def scored_files(metrics: dict) -> List[str]:
    """The results evaluate wrote, then the mountain-free file, by the names the per-sentence counts use."""
    rate = metrics.get("real_rate")
    return list(metrics["results"]) + ([NEGATIVES_PREFIX + rate["negatives_file"]] if rate else [])


def paired_prf(counts_a: numpy.ndarray, counts_b: numpy.ndarray) -> Dict[str, dict]:
    """Per metric: A, B, B - A and the 95% interval of B - A, both models resampled on the same sentences.

    counts_*: one row per sentence, (right, predicted, gold) entities, as scoring.sentence_entity_counts."""
    counts_a, counts_b = counts_a.reshape(-1, 3), counts_b.reshape(-1, 3)
    if not numpy.array_equal(counts_a[:, 2], counts_b[:, 2]):
        raise MetricsError("the two results have different gold entities per sentence")
    point_a, point_b = prf_from_counts(*counts_a.sum(axis=0)), prf_from_counts(*counts_b.sum(axis=0))
    sums = bootstrap_sums(numpy.hstack([counts_a, counts_b]))
    resampled_a, resampled_b = prf_from_counts(sums[:, 0], sums[:, 1], sums[:, 2]), prf_from_counts(sums[:, 3], sums[:, 4], sums[:, 5])
    return {
        name: _difference(float(point_a[name]), float(point_b[name]), resampled_b[name] - resampled_a[name])
        for name in ("precision", "recall", "f1")
    }


def paired_rate(false_a: numpy.ndarray, false_b: numpy.ndarray) -> dict:
    """False names per 1,000 sentences: A, B, B - A and the 95% paired interval of B - A."""
    n = len(false_a)
    sums = bootstrap_sums(numpy.stack([false_a, false_b], axis=1))
    return _difference(1000 * false_a.sum() / n, 1000 * false_b.sum() / n, 1000 * (sums[:, 1] - sums[:, 0]) / n)


def _difference(a: float, b: float, resampled_differences: numpy.ndarray) -> dict:
    return {
        "a": a, "b": b, "difference": b - a, "difference_ci95": interval95(resampled_differences),
        # how often a resample of the sentences puts B above A (0.5: no telling which is higher)
        "share_b_higher": float(numpy.mean(resampled_differences > 0)) if len(resampled_differences) else None,
    }


def compare(path_a: Path, path_b: Path) -> dict:
    a, b = read_metrics(path_a), read_metrics(path_b)
    names_a, names_b = scored_files(a), scored_files(b)
    compared: Dict[str, dict] = {}
    not_compared = [{"result": name, "reason": f"only in {path_a}"} for name in names_a if name not in names_b]
    for name in (name for name in names_a if name in names_b):
        one, two = _per_sentence(path_a, a, name), _per_sentence(path_b, b, name)
        reason = _why_not_paired(one, two)
        if reason:
            not_compared.append({"result": name, "reason": reason})
        elif name.startswith(NEGATIVES_PREFIX):
            compared[name] = {"false names per 1,000": paired_rate(one[1], two[1])}
        else:
            try:
                compared[name] = paired_prf(one[1], two[1])
            except MetricsError as err:
                raise MetricsError(f"{path_a} and {path_b}: {name}: {err}") from err
    not_compared += [{"result": name, "reason": f"only in {path_b}"} for name in names_b if name not in names_a]
    return {"a": str(path_a), "b": str(path_b), "compared": compared, "not_compared": not_compared}


def _why_not_paired(one: Optional[tuple], two: Optional[tuple]) -> Optional[str]:
    if one is None or two is None:
        return "no per-sentence counts (a metrics file from before evaluate wrote them: run evaluate again)"
    if one[0] != two[0] or len(one[1]) != len(two[1]):
        return "scored on different sentences (another split or file)"
    if not len(one[1]):
        return "no sentences"
    return None


def print_comparison(comparison: dict) -> None:
    typer.echo("\n".join(paired_lines(comparison)))
    for item in comparison["not_compared"]:
        typer.secho(f"not compared: {item['result']}: {item['reason']}", fg="yellow")


def main(
    metrics_a: Path = typer.Argument(..., help="Metrics JSON of model A (evaluate's --output)"),
    metrics_b: Path = typer.Argument(..., help="Metrics JSON of model B, scored on the same files"),
    output: Optional[Path] = typer.Option(None, help="Write the comparison as JSON here"),
):
    """Paired comparison of two models' evaluate results: B - A, with 95% bootstrap intervals."""
    try:
        comparison = compare(metrics_a, metrics_b)
    except MetricsError as err:
        typer.secho(f"compare_models: {err}", fg="red", err=True)
        raise typer.Exit(1)
    if not comparison["compared"]:
        typer.secho("compare_models: nothing to compare: " + "; ".join(f"{i['result']}: {i['reason']}" for i in comparison["not_compared"]),
                    fg="red", err=True)
        raise typer.Exit(1)
    print_comparison(comparison)
    if output is not None:
        write_text_atomic(output, json.dumps(comparison, indent=2))
        typer.echo(f"wrote {output}")

