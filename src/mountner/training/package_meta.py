"""Write the meta.json that `spacy package` ships: description, licences and sources (the encoder
actually used, the data the model learnt from, the version of the prompt that wrote it) and the measured
metrics (from the evaluate step's JSON), saying plainly when real text was not measured."""
from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import List, Optional, Tuple

import typer

from mountner.atomic_write import write_text_atomic


DESCRIPTION = (
    "MountNER: finds mountain names (peaks, volcanoes, hills, ridges, massifs, ranges) in English text. "
    "A transformer plus the mountner entity tagger, trained on generated sentences only. "
    "Every entity has ent._.confidence."
)
REAL_PREFIX = "real: "
# Where the generate step's LLM backend writes its report (generation/llm/generator.py: DEFAULT_REPORT); read as
# a file, not imported, so that packaging needs neither the openai client nor the generator's code.
GENERATION_REPORT = Path("corpus/raw/openai_report.json")
# Encoders MountNER fetches, with their licences (model cards on the Hugging Face hub).
ENCODERS = {
    "bert-base-cased": ("Apache-2.0", "https://huggingface.co/google-bert/bert-base-cased"),
    "google-bert/bert-base-cased": ("Apache-2.0", "https://huggingface.co/google-bert/bert-base-cased"),
    "sentence-transformers/all-MiniLM-L6-v2": ("Apache-2.0", "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"),
}
GAZETTEER_SOURCES = [
    {"name": "WordNet 3.0 (mountain names in the gazetteer, glosses)", "url": "https://wordnet.princeton.edu/",
     "author": "Princeton University", "license": "WordNet 3.0 license (BSD-style)"},
    {"name": "MountNER compiled gazetteer lists (assets/gazetteer/, see its README for licences)", "license": "MIT"},
]


class Generator(str, Enum):
    auto = "auto"
    openai = "openai"
    offline = "offline"


def metric_summary(metrics: dict) -> dict:
    return {
        name: {"precision": round(r["seqeval"]["precision"], 4), "recall": round(r["seqeval"]["recall"], 4),
               "f1": round(r["seqeval"]["f1"], 4), "sentences": r["sentences"]}
        for name, r in metrics["results"].items()
    }


def encoder_source(record: dict) -> dict:
    used = record.get("used") or "unknown"
    licence, url = ENCODERS.get(used, (f"unknown: check the licence of {used}", None))
    source = {"name": used, "license": licence}
    if url:
        source["url"] = url
    if record.get("package"):
        source["via"] = f"the PyPI package {record['package']}"
    return source


def resolve_generator(generator: Generator) -> Generator:
    """auto: the same rule as generate.py's choose(), read in the packaging shell."""
    if generator is Generator.auto:
        return Generator.openai if os.environ.get("OPENAI_API_KEY") else Generator.offline
    return generator


def data_sources(generator: Generator, llm_model: str) -> List[dict]:
    generator = resolve_generator(generator)
    if generator is Generator.openai:
        generated = {"name": f"Generated sentences written by the LLM {llm_model} (mountner.generation.llm)", "license": "the LLM provider's terms of use"}
    else:
        generated = {"name": "Generated sentences from MountNER's offline generator and gazetteer (mountner.generation.offline)", "license": "MIT"}
    return [generated] + GAZETTEER_SOURCES


def prompt_record(generator: Generator, generation_report: Path) -> dict:
    """Which prompt wrote the training data: the version in the LLM generator's report, or a note saying why
    there is none (the offline generator uses no prompt; a missing or older report names none)."""
    if resolve_generator(generator) is Generator.offline:
        return {"version": None, "note": "no prompt: the offline generator wrote the training data"}
    try:
        version = json.loads(generation_report.read_text(encoding="utf8")).get("prompt_version")
    except FileNotFoundError:
        return {"version": None, "note": f"unknown: {generation_report} not found"}
    except (OSError, ValueError, AttributeError) as err:
        return {"version": None, "note": f"unknown: {generation_report} unreadable ({type(err).__name__})"}
    if not version:
        return {"version": None, "note": f"unknown: {generation_report} names no prompt version"}
    return {"version": version, "report": str(generation_report)}


def real_text_note(metrics: dict) -> Tuple[dict, str]:
    """(performance entries, one sentence for people) about the real-text scores."""
    real = {name: r for name, r in metrics["results"].items() if name.startswith(REAL_PREFIX)}
    if real:
        name, r = next(iter(real.items()))
        s = r["seqeval"]
        performance = {"real_p": round(s["precision"], 4), "real_r": round(s["recall"], 4), "real_f": round(s["f1"], 4),
                       "real_text": f"{name[len(REAL_PREFIX):]}, {r['sentences']} sentences"}
        f1_interval = (r.get("seqeval_ci95") or {}).get("f1")
        if f1_interval:
            performance["real_f_ci95"] = [round(v, 4) for v in f1_interval]
        sentence = (f"Scores on real text ({name[len(REAL_PREFIX):]}, {r['sentences']} sentences): "
                    f"precision {s['precision']:.3f}, recall {s['recall']:.3f}, F1 {s['f1']:.3f}"
                    + (f" (95% interval {f1_interval[0]:.3f}-{f1_interval[1]:.3f})." if f1_interval else "."))
        return performance, sentence
    skipped = [item for item in (metrics.get("meta") or {}).get("skipped") or [] if item.get("kind", "real") == "real"]
    why = "; ".join(f"{item['path']} {item['reason']}" for item in skipped) or "no real-text file was given to evaluate"
    note = f"not measured ({why})"
    return {"real_text": note}, f"Scores on real text: {note}; the scores in this meta are on generated sentences only."


def _round(value, digits: int = 4):
    return None if value is None else round(value, digits)


def real_rate_note(metrics: dict) -> Tuple[Optional[dict], str, str]:
    """(figures for the meta, a performance entry, one sentence for people) about false positives on
    real mountain-free sentences and the precision-recall curve."""
    rate = metrics.get("real_rate")
    if rate is None:
        skipped = [item for item in (metrics.get("meta") or {}).get("skipped") or [] if item.get("kind") == "mountain-free"]
        why = "; ".join(f"{item['path']} {item['reason']}" for item in skipped) or "no mountain-free file was given to evaluate"
        return None, f"not measured ({why})", f"False positives on real mountain-free text: not measured ({why})."
    neg = rate["negatives"]
    figures = {
        "negatives_file": rate["negatives_file"],
        "sentences": neg["sentences"],
        "false_positives": neg["false_positives"],
        "fp_per_1000": _round(neg["fp_per_1000"], 1),
        "fp_per_1000_ci95": [round(v, 1) for v in neg["fp_per_1000_ci95"]] if neg.get("fp_per_1000_ci95") else None,
        "pooled": rate.get("pooled"),
        "pr_curve": [
            {"threshold": p["threshold"], "precision": _round(p["precision"]), "recall": _round(p["recall"]), "fp_per_1000": _round(p["fp_per_1000"], 1)}
            for p in rate.get("pr_curve") or []
        ] or None,
    }
    entry = f"{figures['fp_per_1000']} false mountains per 1,000 sentences ({rate['negatives_file']}: {neg['false_positives']} in {neg['sentences']})"
    return figures, entry, f"False positives on real mountain-free text: {entry}; ent._.confidence thresholds are in mountner_real_rate.pr_curve."


def write_meta(model: Path, encoder_record: Path, metrics: Path, output: Path, name: str, version: str,
               generator: Generator, llm_model: str, generation_report: Path = GENERATION_REPORT) -> str:
    """Merge the trained pipeline's meta with what MountNER measured into `output`; returns the sentence on real text.
    generation_report: the LLM generator's report, which names the prompt version (read only when the LLM generated)."""
    for path in (model / "meta.json", encoder_record, metrics):
        if not path.exists():
            typer.secho(f"package: {path} not found; run the train, encoder and evaluate steps first", fg="red", err=True)
            raise typer.Exit(1)
    meta = json.loads((model / "meta.json").read_text())
    measured = json.loads(metrics.read_text())
    performance, real_sentence = real_text_note(measured)
    real_rate, performance["real_mountain_free"], rate_sentence = real_rate_note(measured)
    real_sentence = f"{real_sentence} {rate_sentence}"
    meta.update(
        name=name,
        version=version,
        description=f"{DESCRIPTION} {real_sentence}",
        license="MIT",
        author="MountNER developers",
        sources=[encoder_source(json.loads(encoder_record.read_text()))] + data_sources(generator, llm_model),
        notes=(
            "Licences: the code is MIT; the weights start from the encoder named in Sources, under its licence; "
            "the data sources and their licences are listed in Sources. " + real_sentence
        ),
        mountner_encoder=json.loads(encoder_record.read_text()),
        mountner_metrics=metric_summary(measured),
        mountner_real_rate=real_rate,
        mountner_prompt=prompt_record(generator, generation_report),
    )
    meta["performance"] = {**(meta.get("performance") or {}), **performance}
    write_text_atomic(output, json.dumps(meta, indent=2))
    return real_sentence

