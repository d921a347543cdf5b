"""evaluate: seqeval entity-level P/R/F1 (strict IOB2) and spaCy's own scores, on our splits and on
any IOB file (real annotated text), with a confidence reliability table and an error analysis; on a
file of real mountain-free sentences, false positives per 1,000 sentences, and a precision-recall
curve over ent._.confidence thresholds with that file pooled with the real annotated text. Real-text
figures carry 95% bootstrap intervals over sentences: how far another sample of the same kind of text
could move them.

This module runs the model over each file; scoring.py scores, intervals.py gives the intervals and report.py
prints the results and draws the curve. compare.py pairs two models' results, tables.py writes the tables."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy
import typer
from spacy.tokens import DocBin
from spacy.training import Example
from tqdm import tqdm

from mountner.atomic_write import write_text_atomic
from mountner.data.corpus_io import DataError, Sentence, doc_to_word_tags, read_sentences, words_to_doc
from mountner.evaluation.intervals import bootstrap_sums, interval95
from mountner.evaluation.report import draw_curve, print_real_rate, print_result
from mountner.evaluation.scoring import (confidence_pairs, entity_confidence, mention_kind, precision_recall_curve, score,
                                         scores_by_origin, sentences_fingerprint, tags_from_doc)
from mountner.model_loading import load_or_exit
from mountner.pipeline.batching import pipe_by_length

# How the mountain-free file is named among the per-sentence counts (compare_models pairs on these names).
NEGATIVES_PREFIX = "mountain-free: "


def evaluate_docbin(nlp, path: Path, batch_size: int) -> dict:
    gold_docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    predicted = pipe_by_length(nlp, (d.text for d in gold_docs), batch_size=batch_size)
    examples = [Example(pred, gold) for pred, gold in zip(tqdm(predicted, total=len(gold_docs), desc=path.name, leave=False), gold_docs)]
    # Same tokenizer on both sides, so spaCy tokens are the words seqeval scores.
    gold_tags, pred_tags = [tags_from_doc(eg.reference) for eg in examples], [tags_from_doc(eg.predicted) for eg in examples]
    result = score(gold_tags, pred_tags, examples, [doc.text for doc in gold_docs])
    result["by_origin"] = scores_by_origin(examples, gold_tags, pred_tags)
    return result


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


def read_or_exit(path: Path) -> List[Sentence]:
    try:
        return read_sentences(path)
    except DataError as err:
        typer.secho(f"evaluate: {err}", fg="red", err=True)
        raise typer.Exit(1)


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
    # The curve pools the mountain-free sentences with one annotated file, the first found: the --iob files may
    # hold the same sentences under two guidelines, which pooled together would count each sentence twice.
    real_examples: List[Example] = []
    pooled_files: List[str] = []
    for path in iob:
        if not path.exists():
            typer.secho(f"skipped {path}: not found", fg="yellow")
            skipped.append({"path": str(path), "reason": "not found", "kind": "real"})
            continue
        results[f"real: {path.name}"], examples = evaluate_sentences(nlp, read_or_exit(path), path.name, batch_size)
        if not pooled_files:
            real_examples, pooled_files = examples, [f"real: {path.name}"]
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
                "files": pooled_files + [negatives.name],
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
