"""Real encyclopedia-style prose for the offline generator: WordNet's glosses and example sentences
that hold proper names ("a city in northwestern Ohio on Lake Erie", "a small landlocked Asian country
high in the Himalayas between India and China"). Mountains in them are tagged from the gazetteer;
every other capitalised name (people, cities, rivers, genera, gods) is a real negative in a real
context, which templates alone cannot supply.

`python -m mountner wordnet-glosses` extracts them from Debian's wordnet-base into
assets/gazetteer/wordnet_glosses.txt (committed; WordNet 3.0 licence, see assets/gazetteer/README.md).
"""
from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Collection, Iterable, List, Optional, Sequence, Tuple

import spacy
import typer
from spacy.util import filter_spans

from mountner.data.build_gazetteer import DROP_LEMMAS, clean_lemma, mountain_classes, parse_data_noun
from mountner.data.sentence_record import validate_sentence
from mountner.generation.pos_heuristic import tag_pos
from mountner.generation.real_prose.common import generic_heads, national_adjectives
from mountner.paths import GAZETTEER_DIR
from mountner.pipeline.gazetteer import KNOWN_NAMES, MountainGazetteer

GLOSSES = GAZETTEER_DIR / "wordnet_glosses.txt"
# "<name> is <gloss>." for WordNet's named instances (people, cities, rivers, mountains...), with
# the character span of the name where the instance is a mountain.
INSTANCES = GAZETTEER_DIR / "wordnet_instances.tsv"
# A capital letter after the first character: the sentence names something.
_HAS_NAME = re.compile(r"(?<!^)\b[A-Z][a-z]")
_ENDED = re.compile(r"[.!?][\"'”’)\]]*$")


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


def extract_instances(data_noun: Path) -> List[Tuple[str, str]]:
    """(sentence, "start:end" of the name if it is a mountain else "") for named instances."""
    synsets = parse_data_noun(data_noun)
    classes = mountain_classes(synsets)
    glosses = {}
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if not line.startswith("  ") and " | " in line:
            glosses[line.split(" ", 1)[0]] = line.split(" | ", 1)[1].split(";")[0].strip()
    rows = []
    for offset, (lemmas, pointers) in synsets.items():
        kinds = [target for symbol, target, _ in pointers if symbol == "@i"]
        name, gloss = clean_lemma(lemmas[0]), glosses.get(offset, "")
        if not kinds or not name[:1].isupper() or len(gloss.split()) < 3:
            continue
        is_mountain = any(kind in classes for kind in kinds)
        if is_mountain and name.lower() in DROP_LEMMAS:
            continue  # names the gazetteer leaves out as ambiguous are not taught either way
        joiner = " is " if gloss.split()[0] in ("a", "an", "the") else ", "
        rows.append((as_sentence(name + joiner + gloss), f"0:{len(name)}" if is_mountain else ""))
    return rows


def as_sentence(text: str) -> str:
    """Capitalised, and ended with a full stop unless it ends already (a closing quote or bracket may follow)."""
    text = text[0].upper() + text[1:]
    return text if _ENDED.search(text) else text + "."


def unexplained_head(doc, spans, generic_heads: Collection[str]) -> bool:
    """True when a capitalised generic head word ("Mount", "Mountains", "Sierra") stands next to another
    capitalised word outside every tagged span: a name the gazetteer does not know, so the O tags there
    may be wrong ("the Foo Mountains" where only "Foo" is unknown)."""
    inside = {i for span in spans for i in range(span.start, span.end)}
    for token in doc:
        if token.text in generic_heads and token.i not in inside:
            neighbours = [doc[j] for j in (token.i - 1, token.i + 1) if 0 <= j < len(doc)]
            if any(n.text[:1].isupper() and n.i not in inside for n in neighbours):
                return True
    return False


def with_adjacent_heads(doc, span, generic_heads: Collection[str]):
    """The span grown over capitalised generic head words right beside it: the gazetteer knows "Andes",
    the text says "the Andes Mountains", and by the guideline a capitalised head is part of the name."""
    start, end = span.start, span.end
    while start > 0 and doc[start - 1].text in generic_heads:
        start -= 1
    while end < len(doc) and doc[end].text in generic_heads:
        end += 1
    return doc[start:end]


def inside_longer_name(doc, span, outside_before: Collection[str] = ()) -> bool:
    """True when a capitalised word joins the span to a longer name ("South Caucasus", "Dom Pedro"):
    whether that name is a mountain is unknown, so neither tag can be trusted. A sentence's first word,
    function words ("In", "The") and the words of outside_before (national adjectives: the Swiss [Alps]) do not join."""
    before = doc[span.start - 1] if span.start > 0 else None
    joined_before = (before is not None and span.start > 1 and before.is_alpha and before.text[:1].isupper()
                     and not before.is_stop and before.text not in outside_before and doc[span.start - 2].text not in (".", "!", "?"))
    after = doc[span.end] if span.end < len(doc) else None
    joined_after = after is not None and after.is_alpha and after.text[:1].isupper() and not after.is_stop
    return joined_before or joined_after


def tag_sentences(texts: Iterable[str], mountain_names: Sequence[str], known: Sequence[Optional[Tuple[int, int]]] = (),
                  generic_heads: Collection[str] = (), dropped: Optional[Counter] = None, outside_before: Collection[str] = ()) -> List[dict]:
    """Tokenize with spaCy's English tokenizer and tag gazetteer mountains (longest match, exact
    case: the pipeline's own mountner_gazetteer), plus any known mountain character span given for a text.
    With generic_heads, a name grows over the capitalised generic heads beside it (with_adjacent_heads), and a
    sentence is left out where a name is part of a longer one (inside_longer_name) or a generic head is left
    unexplained (unexplained_head).
    Sentences left out are counted by reason in dropped."""
    dropped = Counter() if dropped is None else dropped
    nlp = spacy.blank("en")
    gazetteer = MountainGazetteer(nlp)
    gazetteer.set_names(mountain_names)
    sentences = []
    known = list(known)
    for n, doc in enumerate(gazetteer.pipe(nlp.tokenizer.pipe(as_sentence(t) for t in texts))):
        candidates = list(doc.spans[KNOWN_NAMES])
        if n < len(known) and known[n] is not None:
            span = doc.char_span(*known[n])
            if span is None:
                dropped["name_not_on_token_boundaries"] += 1
                continue  # the name does not fall on token boundaries: leave the sentence out
            candidates.append(span)
        spans = filter_spans(candidates)
        if generic_heads:
            spans = filter_spans([with_adjacent_heads(doc, span, generic_heads) for span in spans])
            if any(inside_longer_name(doc, span, outside_before) for span in spans):
                dropped["known_name_inside_longer_name"] += 1
                continue
            if unexplained_head(doc, spans, generic_heads):
                dropped["unknown_name_with_generic_head"] += 1
                continue
        row, reason = tagged_row(doc, spans)
        if row is None:
            dropped[reason] += 1
            continue
        sentences.append(row)
    return sentences


def tagged_row(doc, spans) -> Tuple[Optional[dict], str]:
    """The generators' row for a tokenized real sentence with these mountain spans, or (None, reason) where it
    fails the check every generated sentence passes (sentence_record)."""
    tags = ["O"] * len(doc)
    for span in spans:
        tags[span.start] = "B-MOUNTAIN"
        for i in range(span.start + 1, span.end):
            tags[i] = "I-MOUNTAIN"
    tokens = [t.text for t in doc]
    sentence, reason, _ = validate_sentence(doc.text, tokens, tags)
    if sentence is None:
        return None, reason
    sentence.pos = tag_pos(tokens, [t != "O" for t in sentence.tags])
    return sentence.to_row(), ""


def sample(n: int, seed: int, mountain_names: Sequence[str], path: Path = GLOSSES, instances: Path = INSTANCES,
           dropped: Optional[Counter] = None) -> List[dict]:
    """n tagged sentences from the glosses and the instance sentences (all if fewer), drawn with the seed;
    those left out are counted by reason in dropped."""
    if n <= 0:
        return []
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `python -m mountner wordnet-glosses` where Debian's wordnet-base is installed")
    pool = [(t, None) for t in path.read_text(encoding="utf8").splitlines() if t.strip()]
    if instances.exists():
        for line in instances.read_text(encoding="utf8").splitlines():
            text, _, span = line.partition("\t")
            pool.append((text, tuple(int(x) for x in span.split(":")) if span else None))
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))
    return tag_sentences([t for t, _ in chosen], mountain_names, [k for _, k in chosen],
                         generic_heads=generic_heads(mountain_names), dropped=dropped, outside_before=national_adjectives())


def main(
    wordnet_dir: Path = typer.Option(Path("/usr/share/wordnet"), help="Debian wordnet-base's data folder"),
    output: Path = typer.Option(GLOSSES),
    instances: Path = typer.Option(INSTANCES),
):
    """Extract WordNet glosses and examples that hold proper names."""
    data_noun = wordnet_dir / "data.noun"
    if not data_noun.exists():
        typer.secho(f"{data_noun} not found: install Debian's wordnet-base (apt-get install wordnet-base)", fg="red", err=True)
        raise typer.Exit(1)
    texts = extract(data_noun)
    output.write_text("\n".join(texts) + "\n", encoding="utf8")
    typer.echo(f"wrote {len(texts)} glosses and examples to {output}")
    rows = extract_instances(data_noun)
    instances.write_text("".join(f"{text}\t{span}\n" for text, span in rows), encoding="utf8")
    typer.echo(f"wrote {len(rows)} instance sentences ({sum(bool(s) for _, s in rows)} mountains) to {instances}")
