"""evaluate: seqeval entity-level P/R/F1 (strict IOB2) and spaCy's own scores, on our splits and on
any IOB file (real annotated text), with a confidence reliability table and an error analysis; on a
file of real mountain-free sentences, false positives per 1,000 sentences, and a precision-recall
curve over ent._.confidence thresholds with that file pooled with the real annotated text. Real-text
figures carry 95% bootstrap intervals over sentences: how far another sample of the same kind of text
could move them."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy
import typer
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2, Entities
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from tqdm import tqdm

from mountner.atomic_write import open_atomic, write_text_atomic
from mountner.data.corpus_io import DataError, Sentence, doc_to_word_tags, read_sentences, words_to_doc
from mountner.model_loading import load_or_exit
from mountner.pipeline.component import pipe_by_length  # also registers the mountner factory


# seqeval's entity-level scoring as every figure here uses it: exact spans, IOB2.
STRICT_IOB2 = dict(mode="strict", scheme=IOB2, zero_division=0)
CONFIDENCE_BANDS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.0001)]
# Thresholds on ent._.confidence for the precision-recall curve: keep entities at or above each.
CURVE_THRESHOLDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
# How the mountain-free file is named among the per-sentence counts (compare_models pairs on these names).
NEGATIVES_PREFIX = "mountain-free: "
# Resamples (of whole sentences, with replacement) for the 95% intervals; fixed seed, so a rerun gives the same interval.
BOOTSTRAP_SAMPLES = 2000
# Bands of the tagger's highest name probability inside a name it missed: near 0, no threshold or bias can recover it.
MISSED_PROBABILITY_BANDS = [(0.0, 0.001), (0.001, 0.01), (0.01, 0.1), (0.1, 0.5), (0.5, 1.0001)]

_HEADS = {
    "mount/mt prefix": r"^(mount|mt\.?)\s",
    "other-language prefix": r"^(monte|mont|pico|cerro|nevado|piz|pizzo|jebel|djebel|gunung|ben|sgurr|sierra|cordillera|volc[aá]n)\s",
    "... mountain(s)": r"\smountains?$",
    "... range/massif": r"\s(range|massif|cordillera)$",
    "... peak/needle/spire": r"\s(peak|peaks|needle|spire|pinnacle)$",
    "... hill(s)/knob/tor": r"\s(hill|hills|knob|tor|butte|mound|dome)$",
    "... ridge/crest": r"\s(ridge|crest|ridges|escarpment)$",
    "... plural range name": r"^\w+s$",
}


def mention_kind(text: str) -> str:
    """A coarse kind of mention, used to group misses and false positives."""
    lower = " ".join(text.lower().split())
    for kind, pattern in _HEADS.items():
        if re.search(pattern, lower):
            return kind
    return "bare single word" if " " not in lower else "bare multi-word"


def tags_from_doc(doc: Doc) -> List[str]:
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]


def reliability(pairs: Sequence[Tuple[float, bool]]) -> List[dict]:
    """Per confidence band: how many predicted entities and how many are exactly right."""
    rows = []
    for low, high in CONFIDENCE_BANDS:
        inside = [right for conf, right in pairs if low <= conf < high]
        rows.append({"band": f"{low:.1f}-{min(high, 1.0):.1f}", "entities": len(inside), "precision": (sum(inside) / len(inside)) if inside else None})
    return rows


def _overlaps(span: Tuple[int, int], others) -> bool:
    """Whether the character span overlaps any of the others."""
    return any(start < span[1] and end > span[0] for start, end in others)


def missed_name_probability(doc: Doc, start_char: int, end_char: int) -> Optional[float]:
    """The highest probability of a name tag that the tagger gave a token of a name it left out (1 - P(O)),
    from `doc._.mountner_probs`; None where the pipeline has no mountner component."""
    probs = doc._.mountner_probs  # the extension is mountner_pipeline's, imported above
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    if not probs or span is None:
        return None
    inside = [1.0 - probs[i] for i in range(span.start, span.end) if probs[i] is not None]
    return float(max(inside)) if inside else None


def probability_bands(values: Sequence[float]) -> Dict[str, int]:
    return {f"{low:g}-{min(high, 1.0):g}": sum(low <= v < high for v in values) for low, high in MISSED_PROBABILITY_BANDS}


def error_analysis(examples: Sequence[Example]) -> dict:
    missed, false_pos, boundary = Counter(), Counter(), Counter()
    missed_examples: Dict[str, List[str]] = {}
    false_examples: Dict[str, List[str]] = {}
    missed_probabilities: List[float] = []
    for eg in examples:
        gold = {(e.start_char, e.end_char): e.text for e in eg.reference.ents}
        pred = {(e.start_char, e.end_char): e.text for e in eg.predicted.ents}
        for span, text in gold.items():
            if span not in pred:
                overlaps = _overlaps(span, pred)
                kind = ("wrong boundary: " if overlaps else "") + mention_kind(text)
                (boundary if overlaps else missed)[kind] += 1
                missed_examples.setdefault(kind, []).append(text)
                probability = None if overlaps else missed_name_probability(eg.predicted, *span)
                if probability is not None:
                    missed_probabilities.append(probability)
        for span, text in pred.items():
            if span not in gold and not _overlaps(span, gold):
                kind = mention_kind(text)
                false_pos[kind] += 1
                false_examples.setdefault(kind, []).append(text)
    return {
        "missed_by_kind": dict(missed.most_common()),
        "boundary_errors_by_kind": dict(boundary.most_common()),
        "false_positives_by_kind": dict(false_pos.most_common()),
        # Names missed whole, by the tagger's highest name probability inside them (empty where none was, or without a mountner component).
        "missed_by_tagger_probability": probability_bands(missed_probabilities) if missed_probabilities else {},
        "missed_examples": {k: v[:8] for k, v in missed_examples.items()},
        "false_positive_examples": {k: v[:8] for k, v in false_examples.items()},
    }


def seqeval_prf(gold_tags: List[List[str]], pred_tags: List[List[str]]) -> dict:
    """Entity-level precision, recall and F1 (strict IOB2), as every score here reports them."""
    return {"precision": precision_score(gold_tags, pred_tags, **STRICT_IOB2), "recall": recall_score(gold_tags, pred_tags, **STRICT_IOB2),
            "f1": f1_score(gold_tags, pred_tags, **STRICT_IOB2)}


def sentence_entity_counts(gold_tags: Sequence[List[str]], pred_tags: Sequence[List[str]]) -> numpy.ndarray:
    """Per sentence: (exactly right, predicted, gold) entities, counted as seqeval's strict IOB2 scores count them."""
    gold = Entities(list(gold_tags), IOB2, suffix=False).entities
    pred = Entities(list(pred_tags), IOB2, suffix=False).entities
    return numpy.array([(len(set(g) & set(p)), len(p), len(g)) for g, p in zip(gold, pred)], dtype="int64").reshape(-1, 3)


def prf_from_counts(right: numpy.ndarray, predicted: numpy.ndarray, gold: numpy.ndarray) -> Dict[str, numpy.ndarray]:
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return {"precision": numpy.nan_to_num(right / predicted), "recall": numpy.nan_to_num(right / gold),
                "f1": numpy.nan_to_num(2 * right / (predicted + gold))}


def bootstrap_sums(per_sentence: numpy.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> numpy.ndarray:
    """Column sums of `samples` resamples of the rows (sentences), drawn with replacement: shape (samples, columns)."""
    rng = numpy.random.default_rng(seed)
    n = len(per_sentence)
    return numpy.stack([per_sentence[rng.integers(0, n, n)].sum(axis=0) for _ in range(samples)]) if n else numpy.zeros((0, per_sentence.shape[1]))


def interval95(values: numpy.ndarray) -> Optional[List[float]]:
    return [float(numpy.percentile(values, 2.5)), float(numpy.percentile(values, 97.5))] if len(values) else None


def prf_intervals(counts: numpy.ndarray) -> Dict[str, Optional[List[float]]]:
    """95% bootstrap intervals of entity-level precision, recall and F1 from per-sentence counts
    (sentence_entity_counts), resampling whole sentences."""
    sums = bootstrap_sums(counts)
    return {name: interval95(values) for name, values in prf_from_counts(sums[:, 0], sums[:, 1], sums[:, 2]).items()}


def sentences_fingerprint(texts: Iterable[str]) -> str:
    """Which sentences a result scored, in which order: compare_models pairs two models' per-sentence
    counts only where the fingerprints agree."""
    digest = hashlib.sha1()
    for text in texts:
        digest.update(text.encode("utf8") + b"\0")
    return digest.hexdigest()


def score(gold_tags: List[List[str]], pred_tags: List[List[str]], examples: List[Example], texts: Sequence[str]) -> dict:
    spacy_scores = get_ner_prf(examples)
    pairs, _ = confidence_pairs(examples)
    counts = sentence_entity_counts(gold_tags, pred_tags)
    by_source = {}
    for eg in examples:
        gold = {(e.start_char, e.end_char) for e in eg.reference.ents}
        for ent in eg.predicted.ents:
            right = (ent.start_char, ent.end_char) in gold
            source = ent._.get("mountner_source") if ent.has_extension("mountner_source") else None
            if source is not None:
                by_source.setdefault(source, []).append(right)
    return {
        "sentences": len(examples),
        "gold_entities": sum(len(eg.reference.ents) for eg in examples),
        "predicted_entities": sum(len(eg.predicted.ents) for eg in examples),
        "seqeval": seqeval_prf(gold_tags, pred_tags),
        "seqeval_ci95": prf_intervals(counts),
        # for paired comparisons of two models on the same sentences (scripts/compare_models.py); main() moves it to the end
        "per_sentence": {"sentences_sha1": sentences_fingerprint(texts), "right_predicted_gold": counts.tolist()},
        "spacy": {"ents_p": spacy_scores["ents_p"], "ents_r": spacy_scores["ents_r"], "ents_f": spacy_scores["ents_f"]},
        "reliability": reliability(pairs) if pairs else None,
        # where the entities came from: the tagger, or a known name it left out
        "sources": {source: {"entities": len(rights), "precision": sum(rights) / len(rights)} for source, rights in sorted(by_source.items())},
        "errors": error_analysis(examples),
        # seqeval's report fails when neither side has an entity
        "report": classification_report(gold_tags, pred_tags, digits=3, **STRICT_IOB2) if any(t != "O" for tags in gold_tags + pred_tags for t in tags) else "",
    }


def evaluate_docbin(nlp, path: Path, batch_size: int) -> dict:
    gold_docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    predicted = pipe_by_length(nlp, (d.text for d in gold_docs), batch_size=batch_size)
    examples = [Example(pred, gold) for pred, gold in zip(tqdm(predicted, total=len(gold_docs), desc=path.name, leave=False), gold_docs)]
    # Same tokenizer on both sides, so spaCy tokens are the words seqeval scores.
    gold_tags, pred_tags = [tags_from_doc(eg.reference) for eg in examples], [tags_from_doc(eg.predicted) for eg in examples]
    result = score(gold_tags, pred_tags, examples, [doc.text for doc in gold_docs])
    result["by_origin"] = scores_by_origin(examples, gold_tags, pred_tags)
    return result


def scores_by_origin(examples: Sequence[Example], gold_tags: Sequence[List[str]], pred_tags: Sequence[List[str]]) -> Dict[str, dict]:
    """seqeval P/R/F1 for each origin of the gold sentences (doc.user_data["origin"], set by convert from
    corpus/mountains.csv): generated sentences and real prose are different tests. Empty without origins."""
    groups: Dict[str, List[int]] = {}
    for i, eg in enumerate(examples):
        origin = eg.reference.user_data.get("origin")
        if origin:
            groups.setdefault(origin, []).append(i)
    return {
        origin: {
            "sentences": len(group),
            "gold_entities": sum(len(examples[i].reference.ents) for i in group),
            "predicted_entities": sum(len(examples[i].predicted.ents) for i in group),
            **seqeval_prf([gold_tags[i] for i in group], [pred_tags[i] for i in group]),
        }
        for origin, group in sorted(groups.items())
    }


def evaluate_sentences(nlp, sentences: List[Sentence], name: str, batch_size: int) -> Tuple[dict, List[Example]]:
    """Score on the file's own words: predictions are projected back onto them by character offsets.
    Also returns the examples (the sentences whose gold spans align with the pipeline's tokens)."""
    gold_tags, pred_tags, examples = [], [], []
    predicted = pipe_by_length(nlp, (s.text for s in sentences), batch_size=batch_size)
    for sentence, doc in zip(sentences, tqdm(predicted, total=len(sentences), desc=name, leave=False)):
        gold_doc, _ = words_to_doc(nlp, sentence)
        gold_tags.append(sentence.tags)
        pred_tags.append(doc_to_word_tags(doc, sentence))
        if gold_doc is not None:
            examples.append(Example(doc, gold_doc))
    return score(gold_tags, pred_tags, examples, [s.text for s in sentences]), examples


def entity_confidence(ent) -> Optional[float]:
    return ent._.get("confidence") if ent.has_extension("confidence") else None


def evaluate_negatives(nlp, sentences: List[Sentence], name: str, batch_size: int) -> Tuple[dict, List[Optional[float]]]:
    """On sentences that name no mountain every predicted entity is a false positive: how many per
    1,000 sentences, and the confidence of each (for the curve)."""
    confidences: List[Optional[float]] = []
    per_sentence: List[int] = []
    by_kind: Counter = Counter()
    by_source: Counter = Counter()
    examples: Dict[str, List[str]] = {}
    predicted = pipe_by_length(nlp, (s.text for s in sentences), batch_size=batch_size)
    for doc in tqdm(predicted, total=len(sentences), desc=name, leave=False):
        per_sentence.append(len(doc.ents))
        for ent in doc.ents:
            confidences.append(entity_confidence(ent))
            kind = mention_kind(ent.text)
            by_kind[kind] += 1
            by_source[ent._.get("mountner_source") if ent.has_extension("mountner_source") else "unknown"] += 1
            examples.setdefault(kind, []).append(ent.text)
    n = len(sentences)
    result = {
        "sentences": n,
        "false_positives": len(confidences),
        "fp_per_1000": 1000 * len(confidences) / n if n else None,
        "fp_per_1000_ci95": interval95(1000 * bootstrap_sums(numpy.array(per_sentence, dtype="int64").reshape(-1, 1))[:, 0] / n) if n else None,
        "sentences_with_false_positive": sum(count > 0 for count in per_sentence),
        "false_positives_by_kind": dict(by_kind.most_common()),
        # the tagger, or a known name it left out (mountner_source)
        "false_positives_by_source": dict(by_source.most_common()),
        "false_positive_examples": {k: v[:8] for k, v in examples.items()},
        "per_sentence": {"sentences_sha1": sentences_fingerprint(s.text for s in sentences), "false_positives": per_sentence},
    }
    return result, confidences


def precision_recall_curve(
    positive: Sequence[Tuple[float, bool]], negative: Sequence[float], gold_entities: int, negative_sentences: int,
    thresholds: Sequence[float] = CURVE_THRESHOLDS,
) -> List[dict]:
    """Per threshold, the entities with confidence >= threshold from both files pooled: precision,
    recall (of the annotated file's gold entities) and false positives per 1,000 mountain-free sentences.
    positive: (confidence, exactly right) for each entity predicted on the annotated text."""
    points = []
    for threshold in thresholds:
        kept = [right for conf, right in positive if conf >= threshold]
        false_on_negatives = sum(conf >= threshold for conf in negative)
        entities = len(kept) + false_on_negatives
        correct = sum(kept)
        precision = correct / entities if entities else None
        recall = correct / gold_entities if gold_entities else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
        points.append({
            "threshold": threshold, "entities": entities, "correct": correct,
            "precision": precision, "recall": recall, "f1": f1,
            "fp_per_1000": 1000 * false_on_negatives / negative_sentences if negative_sentences else None,
        })
    return points


def confidence_pairs(examples: Sequence[Example]) -> Tuple[List[Tuple[float, bool]], int]:
    """(confidence, exactly right) per predicted entity that has a confidence, and whether all had one."""
    pairs, missing = [], 0
    for eg in examples:
        gold = {(e.start_char, e.end_char) for e in eg.reference.ents}
        for ent in eg.predicted.ents:
            confidence = entity_confidence(ent)
            if confidence is None:
                missing += 1
            else:
                pairs.append((confidence, (ent.start_char, ent.end_char) in gold))
    return pairs, missing


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


def read_or_exit(path: Path) -> List[Sentence]:
    try:
        return read_sentences(path)
    except DataError as err:
        typer.secho(f"evaluate: {err}", fg="red", err=True)
        raise typer.Exit(1)


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


def main(
    model: str = typer.Argument(..., help="Model folder or installed package name"),
    output: Path = typer.Option(Path("metrics/mountner.json"), help="Where the JSON goes"),
    test: Optional[Path] = typer.Option(Path("corpus/test.spacy"), help="DocBin test split (unseen names)"),
    dev: Optional[Path] = typer.Option(Path("corpus/dev.spacy"), help="DocBin dev split (seen names)"),
    iob: List[Path] = typer.Option([], help="IOB/CoNLL files of real annotated text; a missing file is skipped with a note"),
    negatives: Optional[Path] = typer.Option(None, help="IOB/CoNLL file of real sentences that name no mountain: false positives per 1,000 "
                                             "sentences; a missing file is skipped with a note"),
    pr_plot: Optional[Path] = typer.Option(None, help="Draw the precision-recall curve (the --iob files pooled with --negatives) to this PNG"),
    encoder_record: Path = typer.Option(Path("training/encoder/mountner_encoder.json"), help="Which encoder was used, for a model not yet packaged"),
    batch_size: int = typer.Option(64),
):
    """Score MODEL and write the metrics JSON."""
    skipped: List[dict] = []  # files asked for but absent: the results table and the packaged meta say so
    negative_sentences = None
    if negatives is not None and not negatives.exists():
        typer.secho(f"skipped {negatives}: not found (no false positives per 1,000 sentences, no precision-recall curve)", fg="yellow")
        skipped.append({"path": str(negatives), "reason": "not found", "kind": "mountain-free"})
    elif negatives is not None:  # checked before any scoring, so a wrong file fails at once
        negative_sentences = read_or_exit(negatives)
        tagged = next((s for s in negative_sentences if any(tag != "O" for tag in s.tags)), None)
        if tagged is not None:
            typer.secho(f"evaluate: --negatives {tagged.where}: this sentence has a mountain tag; give a file of sentences that name no mountain",
                        fg="red", err=True)
            raise typer.Exit(1)
    nlp = load_or_exit(model, "evaluate")
    results: Dict[str, dict] = {}
    for name, path in (("test (unseen names)", test), ("dev (seen names)", dev)):
        if path is not None and path.exists():
            results[name] = evaluate_docbin(nlp, path, batch_size)
    real_examples: List[Example] = []
    for path in iob:
        if not path.exists():
            typer.secho(f"skipped {path}: not found", fg="yellow")
            skipped.append({"path": str(path), "reason": "not found", "kind": "real"})
            continue
        results[f"real: {path.name}"], examples = evaluate_sentences(nlp, read_or_exit(path), path.name, batch_size)
        real_examples += examples
    real_rate = None
    if negative_sentences is not None:
        sentences = negative_sentences
        negative_result, negative_confidences = evaluate_negatives(nlp, sentences, negatives.name, batch_size)
        real_rate = {"negatives_file": negatives.name, "negatives": negative_result, "pr_curve": None, "plot": None}
        positive, missing = confidence_pairs(real_examples)
        if not real_examples:
            real_rate["pr_curve_note"] = "no real annotated file (--iob) to pool with"
        elif missing or None in negative_confidences:
            real_rate["pr_curve_note"] = "the pipeline gives no ent._.confidence"
        else:
            real_rate["pooled"] = {
                "files": [name for name in results if name.startswith("real: ")] + [negatives.name],
                "sentences": len(real_examples) + len(sentences),
                "gold_entities": sum(len(eg.reference.ents) for eg in real_examples),
            }
            real_rate["pr_curve"] = precision_recall_curve(positive, negative_confidences, real_rate["pooled"]["gold_entities"], len(sentences))
            if pr_plot is not None:
                title = f"{model}: {' + '.join(real_rate['pooled']['files'])} ({real_rate['pooled']['sentences']} real sentences pooled)"
                draw_curve(real_rate["pr_curve"], title, pr_plot)
                real_rate["plot"] = str(pr_plot)
    if not results:
        typer.secho("evaluate: nothing to score (no test/dev DocBin and no IOB file found)", fg="red", err=True)
        raise typer.Exit(1)
    for name, result in results.items():
        print_result(name, result)
    if real_rate is not None:
        print_real_rate(real_rate)
    encoder = nlp.meta.get("mountner_encoder")
    if encoder is None and encoder_record.exists():
        encoder = json.loads(encoder_record.read_text())
    meta = {"model": model, "pipeline": nlp.pipe_names, "encoder": encoder, "skipped": skipped}
    metrics = {"meta": meta, "results": results}
    if real_rate is not None:
        metrics["real_rate"] = real_rate
    # The per-sentence counts are long lists for compare_models, not for reading: one section, last.
    metrics["per_sentence"] = {name: result.pop("per_sentence") for name, result in results.items()}
    if real_rate is not None:
        metrics["per_sentence"][NEGATIVES_PREFIX + negatives.name] = real_rate["negatives"].pop("per_sentence")
    write_text_atomic(output, json.dumps(metrics, indent=2))
    typer.echo(f"\nwrote {output}")

