"""Real encyclopedia-style prose for the offline generator: WordNet's glosses and example sentences
that hold proper names ("a city in northwestern Ohio on Lake Erie", "a small landlocked Asian country
high in the Himalayas between India and China"). Mountains in them are tagged from the gazetteer;
every other capitalised name (people, cities, rivers, genera, gods) is a real negative in a real
context, which templates alone cannot supply.

`python scripts/wordnet_glosses.py` extracts them from Debian's wordnet-base into
corpus/gazetteer/wordnet_glosses.txt (committed; WordNet 3.0 licence, see corpus/gazetteer/README.md).
"""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Iterable, List, Sequence

import typer

HERE = Path(__file__).resolve().parent
GLOSSES = HERE.parent / "corpus" / "gazetteer" / "wordnet_glosses.txt"
# A capital letter after the first character: the sentence names something.
_HAS_NAME = re.compile(r"(?<!^)\b[A-Z][a-z]")

app = typer.Typer(add_completion=False)


def extract(data_noun: Path) -> List[str]:
    """Glosses and examples of WordNet's noun synsets that hold a proper name, de-duplicated."""
    seen, texts = set(), []
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  ") or " | " not in line:
            continue  # the licence header, or a synset without gloss
        for part in line.split(" | ", 1)[1].split(";"):
            text = " ".join(part.strip().strip('"').split())
            if len(text.split()) >= 5 and _HAS_NAME.search(text) and text not in seen:
                seen.add(text)
                texts.append(text)
    return texts


def as_sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def tag_sentences(texts: Iterable[str], mountain_names: Sequence[str]) -> List[dict]:
    """Tokenize with spaCy's English tokenizer and tag gazetteer mountains (longest match, exact case)."""
    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.util import filter_spans

    from generate_offline import tag_pos

    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    matcher.add("MOUNTAIN", list(nlp.tokenizer.pipe(mountain_names)))
    sentences = []
    for doc in nlp.tokenizer.pipe(as_sentence(t) for t in texts):
        spans = filter_spans([doc[start:end] for _, start, end in matcher(doc)])
        tags = ["O"] * len(doc)
        for span in spans:
            tags[span.start] = "B-MOUNTAIN"
            for i in range(span.start + 1, span.end):
                tags[i] = "I-MOUNTAIN"
        tokens = [t.text for t in doc]
        sentences.append({"text": doc.text, "tokens": tokens, "pos": tag_pos(tokens, [t != "O" for t in tags]), "tags": tags})
    return sentences


def sample(n: int, seed: int, mountain_names: Sequence[str], path: Path = GLOSSES) -> List[dict]:
    """n tagged gloss sentences (all of them if fewer), drawn with the seed."""
    if n <= 0:
        return []
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `python scripts/wordnet_glosses.py` where Debian's wordnet-base is installed")
    texts = [t for t in path.read_text(encoding="utf8").splitlines() if t.strip()]
    rng = random.Random(seed)
    return tag_sentences(rng.sample(texts, min(n, len(texts))), mountain_names)


@app.command()
def main(
    wordnet_dir: Path = typer.Option(Path("/usr/share/wordnet"), help="Debian wordnet-base's data folder"),
    output: Path = typer.Option(GLOSSES),
):
    """Extract WordNet glosses and examples that hold proper names."""
    data_noun = wordnet_dir / "data.noun"
    if not data_noun.exists():
        typer.secho(f"{data_noun} not found: install Debian's wordnet-base (apt-get install wordnet-base)", fg="red", err=True)
        raise typer.Exit(1)
    texts = extract(data_noun)
    output.write_text("\n".join(texts) + "\n", encoding="utf8")
    typer.echo(f"wrote {len(texts)} glosses and examples to {output}")


if __name__ == "__main__":
    app()
