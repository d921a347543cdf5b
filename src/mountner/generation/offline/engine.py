"""Offline (template) generator of word-level BIO sentences for the MOUNTAIN label.

No LLM: sentences are filled in from the templates in assets/templates (grammar: its README.md), with
slots filled from the gazetteer (real mountain names and other proper names), Faker (people,
companies, cities), the word lists in assets/lexicon and composed, unseen mountain names
(offline_names.py), so the model learns name patterns, not a list.

Sentence kinds: sentences with mountain mentions, sentences with other proper names only, hard
negatives (things named after mountains, mountain words used generically) and mixed sentences (a
mountain and a look-alike together). Labels follow bio.LABEL_GUIDELINE: the article "the" and a
possessive "'s" stay outside; generic words and anything named after a mountain are O. Tokens are
spaCy English tokens, so every entity boundary is a token boundary; a sentence whose entity does not
align is redrawn, and the report counts every redraw and its reason.

This module plans the kinds and draws until each sentence passes; generator.py holds the data and the
random state, sentences.py turns a template into a tagged sentence, slots.py fills its slots from names.py
(with name_pools.py) and composers.py; data.py reads and checks the files.

    python -m mountner generate-offline --n-sentences 10000 --seed 0 --output corpus/mountains.csv
"""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

import typer
from tqdm import tqdm

from mountner import paths
from mountner.atomic_write import write_text_atomic
from mountner.data import bio
from mountner.data.sentence_record import text_key
from mountner.generation.offline import data as offline_data
from mountner.generation.offline.generator import Generator, GeneratorData, load_data
from mountner.generation.offline.sentences import build_sentence

# Mix of sentence kinds (fractions of the sentences generated); the mix of styles is generator.STYLE_WEIGHTS.
FRACTION_MOUNTAIN = 0.38   # one or more mountain mentions
FRACTION_OTHER = 0.30      # no mountain; other proper names (cities, rivers, people, ...)
FRACTION_NEGATIVE = 0.22   # hard negatives: named after mountains, generic mountain words, products, landforms, ...
FRACTION_MIXED = 0.10      # a mountain and a look-alike negative (or non-mountain features) in the same sentence
FRACTION_NO_MOUNTAIN = FRACTION_OTHER + FRACTION_NEGATIVE  # 0.52: real prose mostly names no mountain
KIND_FRACTIONS = {"mountain": FRACTION_MOUNTAIN, "other": FRACTION_OTHER, "negative": FRACTION_NEGATIVE, "mixed": FRACTION_MIXED}
MAX_TRIES = 60             # draws per sentence (duplicates, misaligned entities)
REPORT_FILE_NAME = "offline_report.json"


def _kind_plan(n: int, rng: random.Random) -> List[str]:
    counts = {k: int(round(n * f)) for k, f in KIND_FRACTIONS.items()}
    counts["mountain"] += n - sum(counts.values())
    plan = [k for k, c in counts.items() for _ in range(max(c, 0))]
    rng.shuffle(plan)
    return plan[:n]


def generate_with_report(n_sentences: int, seed: int = 0, mountains=None, others=None, progress: bool = False,
                         data: Optional[GeneratorData] = None) -> Tuple[List[dict], dict]:
    """generate(), and a report of what was asked, written, redrawn (by reason) and lost after MAX_TRIES draws."""
    gen = Generator(seed, mountains, others, data)
    seen: set = set()
    out: List[dict] = []
    asked, written, redrawn, lost = Counter(), Counter(), Counter(), Counter()
    for kind in tqdm(_kind_plan(n_sentences, gen.rng), desc="offline sentences", unit="sentence", disable=not progress):
        asked[kind] += 1
        for _ in range(MAX_TRIES):
            sentence, reason = build_sentence(gen, kind)
            if sentence is not None and text_key(sentence["text"]) in seen:
                reason = "duplicate_text"
            if reason is None:
                seen.add(text_key(sentence["text"]))
                out.append(sentence)
                written[kind] += 1
                break
            redrawn[reason] += 1
        else:
            lost[kind] += 1
    report = {
        "generator": "offline", "seed": seed, "requested": n_sentences, "written": len(out),
        "by_kind": {kind: {"requested": asked[kind], "written": written[kind]} for kind in KIND_FRACTIONS},
        "redrawn": dict(sorted(redrawn.items())), "lost_after_max_tries": dict(sorted(lost.items())),
        "max_tries": MAX_TRIES, "names_skipped": dict(sorted(gen.skipped.items())),
    }
    return out, report


def generate(n_sentences: int, seed: int = 0, mountains=None, others=None) -> List[dict]:
    """Generate n_sentences sentences as {"text", "tokens", "pos", "tags", "kind"} dicts.

    mountains: DataFrame with columns name, type (peak|mountain|volcano|hill|ridge|massif|range) and optionally
    country, or a list of names (types inferred); default: gazetteer.load_mountains(). others: DataFrame with
    columns name, kind (city|country|region|river|lake|...), or a list of names; default: gazetteer.load_other_names().
    Deterministic for a seed; no two texts are the same.
    """
    return generate_with_report(n_sentences, seed, mountains, others)[0]


def write_report(report: dict, path: Path) -> None:
    """Write the report as JSON, atomically (a temp file in the same folder, then os.replace)."""
    write_text_atomic(path, json.dumps(report, indent=2) + "\n")


def summary(report: dict) -> str:
    redrawn = ", ".join(f"{n} {reason}" for reason, n in report["redrawn"].items()) or "none"
    lost = sum(report["lost_after_max_tries"].values())
    return f"offline: {report['written']} of {report['requested']} sentences; redrawn: {redrawn}; lost after {report['max_tries']} draws: {lost}"


def main(
    n_sentences: int = typer.Option(10000, min=1, help="Sentences to write"),
    seed: int = typer.Option(0, help="Seed: the same seed gives the same sentences"),
    output: Path = typer.Option(Path("corpus/mountains.csv"), help=f"CSV of word rows; the report goes beside it ({REPORT_FILE_NAME})"),
    template_dir: Path = typer.Option(paths.TEMPLATE_DIR, help="Templates (grammar: assets/templates/README.md)"),
    lexicon_dir: Path = typer.Option(paths.LEXICON_DIR, help="Word lists and tables"),
) -> None:
    """Generate template sentences with MOUNTAIN BIO tags and write them as word rows (bio.write_rows)."""
    try:
        data = load_data(template_dir, lexicon_dir)
        sentences, report = generate_with_report(n_sentences, seed=seed, progress=True, data=data)
    except offline_data.DataFileError as exc:
        typer.echo(f"generate_offline: {exc}", err=True)
        raise typer.Exit(1)
    n = bio.write_rows(sentences, output)
    write_report(report, output.parent / REPORT_FILE_NAME)
    n_ent = sum(any(t != "O" for t in s["tags"]) for s in sentences)
    typer.echo(f"wrote {n} sentences ({n_ent} with a mountain) to {output}")
    typer.echo(summary(report))
