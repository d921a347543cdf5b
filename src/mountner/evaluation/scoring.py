"""Scoring predicted entities against gold ones: seqeval's entity-level P/R/F1 (strict IOB2) and spaCy's
own scores, per-sentence counts for the intervals and the paired comparisons, confidence reliability,
precision-recall over confidence thresholds and an error analysis by kind of mention."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2, Entities
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example

from mountner.evaluation.intervals import prf_intervals
from mountner.pipeline.extensions import install_extensions

install_extensions()  # the error analysis reads doc._.mountner_probs

# seqeval's entity-level scoring as every figure here uses it: exact spans, IOB2.
STRICT_IOB2 = dict(mode="strict", scheme=IOB2, zero_division=0)
CONFIDENCE_BANDS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.0001)]
# Thresholds on ent._.confidence for the precision-recall curve: keep entities at or above each.
CURVE_THRESHOLDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
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
    probs = doc._.mountner_probs  # registered above (install_extensions)
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
        # for paired comparisons of two models on the same sentences (`python -m mountner compare`); main() moves it to the end
        "per_sentence": {"sentences_sha1": sentences_fingerprint(texts), "right_predicted_gold": counts.tolist()},
        "spacy": {"ents_p": spacy_scores["ents_p"], "ents_r": spacy_scores["ents_r"], "ents_f": spacy_scores["ents_f"]},
        "reliability": reliability(pairs) if pairs else None,
        # where the entities came from: the tagger, or a known name it left out
        "sources": {source: {"entities": len(rights), "precision": sum(rights) / len(rights)} for source, rights in sorted(by_source.items())},
        "errors": error_analysis(examples),
        # seqeval's report fails when neither side has an entity
        "report": classification_report(gold_tags, pred_tags, digits=3, **STRICT_IOB2) if any(t != "O" for tags in gold_tags + pred_tags for t in tags) else "",
    }


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


def entity_confidence(ent) -> Optional[float]:
    return ent._.get("confidence") if ent.has_extension("confidence") else None


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
