"""Tests of the offline template generator (mountner.generation.offline) and its data files
(assets/templates, assets/lexicon, loaded by mountner.generation.offline.data).

They use a small name list of their own, so they do not depend on the gazetteer files.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import spacy

from mountner.data import bio
from mountner.generation.offline import engine as go
from mountner.generation.offline.name_pools import infer_type

ROOT = Path(__file__).resolve().parents[2]

MOUNTAINS = pd.DataFrame(
    [
        ("Mount Everest", "mountain", "Asia", "Nepal"), ("K2", "mountain", "Asia", "Pakistan"),
        ("Mont Blanc", "mountain", "Europe", "France"), ("Matterhorn", "peak", "Europe", "Switzerland"),
        ("Ben Nevis", "mountain", "Europe", "United Kingdom"), ("Mount Etna", "volcano", "Europe", "Italy"),
        ("Kilimanjaro", "volcano", "Africa", "Tanzania"), ("Mauna Loa", "volcano", "Oceania", "United States"),
        ("Mount Rainier", "volcano", "North America", "United States"), ("Pikes Peak", "mountain", "North America", "United States"),
        ("Primrose Hill", "hill", "Europe", "United Kingdom"), ("Arthur's Seat", "hill", "Europe", "United Kingdom"),
        ("Blue Ridge", "ridge", "North America", "United States"), ("Vinson Massif", "massif", "Antarctica", "Antarctica"),
        ("Alps", "range", "Europe", "Switzerland"), ("Andes", "range", "South America", "Peru"),
        ("Rocky Mountains", "range", "North America", "United States"), ("Sierra Nevada", "range", "North America", "United States"),
        ("Cascade Range", "range", "North America", "United States"), ("Malvern Hills", "hill", "Europe", "United Kingdom"),
    ],
    columns=["name", "type", "region", "country"],
)
OTHERS = pd.DataFrame(
    [
        ("Geneva", "city"), ("Zermatt", "city"), ("Kathmandu", "city"), ("Denver", "city"), ("Mendoza", "city"),
        ("Switzerland", "country"), ("Nepal", "country"), ("Chile", "country"), ("Tyrol", "region"), ("Patagonia", "region"),
        ("Rhine", "river"), ("Danube", "river"), ("Lake Geneva", "lake"), ("Sicily", "island"), ("Skye", "island"),
        ("North Sea", "sea"), ("Adriatic Sea", "sea"), ("Aosta Valley", "valley"), ("Aletsch Glacier", "glacier"),
        ("Brenner Pass", "pass"), ("Banff National Park", "national_park"), ("Alpine Club", "organisation"),
        ("Royal Geographical Society", "organisation"), ("Eiffel Tower", "building"), ("Edmund Hillary", "person"),
        ("Tenzing Norgay", "person"), ("Mount Sinai Hospital", "named_after_mountain"), ("Everest Group", "named_after_mountain"),
        ("Mountain View", "named_after_mountain"), ("Olympus OM-1", "product"), ("Tour de France", "event"),
    ],
    columns=["name", "kind"],
)
N = 2000
LEXICON = go.load_data().lexicon
GENERIC = {"mountain", "mountains", "summit", "peak", "peaks", "range", "volcano", "volcanoes", "hill", "hills", "ridge", "massif"}


def sample():
    return go.generate(N, seed=11, mountains=MOUNTAINS, others=OTHERS)


@pytest.fixture(scope="module")
def sentences():
    return sample()


def entity_spans(sentence):
    """Character spans of the tagged entities, found from the tokens."""
    offsets = bio.word_char_offsets(sentence["text"], sentence["tokens"])
    assert offsets is not None, sentence["text"]
    return [(offsets[s][0], offsets[e - 1][1]) for s, e in bio.bio_spans(sentence["tags"])]


def test_count_and_keys(sentences):
    assert len(sentences) == N
    for s in sentences:
        assert {"text", "tokens", "pos", "tags"} <= set(s)
        assert len(s["tokens"]) == len(s["pos"]) == len(s["tags"]) > 0


def test_deterministic_for_a_seed():
    a = go.generate(150, seed=7, mountains=MOUNTAINS, others=OTHERS)
    b = go.generate(150, seed=7, mountains=MOUNTAINS, others=OTHERS)
    assert a == b


def test_different_seeds_differ():
    a = go.generate(150, seed=1, mountains=MOUNTAINS, others=OTHERS)
    b = go.generate(150, seed=2, mountains=MOUNTAINS, others=OTHERS)
    texts_a, texts_b = {s["text"] for s in a}, {s["text"] for s in b}
    assert len(texts_a & texts_b) < 15


def test_tags_are_well_formed_bio(sentences):
    for s in sentences:
        assert set(s["tags"]) <= set(bio.TAGS)
        assert bio.repair_bio(s["tags"])[1] == 0, s["tokens"]


def test_tokens_rebuild_text(sentences):
    for s in sentences:
        assert "".join(s["tokens"]) == "".join(s["text"].split())
        assert all(t.strip() == t and t for t in s["tokens"])


def test_kind_fractions(sentences):
    kinds = Counter(s["kind"] for s in sentences)
    for kind, fraction in go.KIND_FRACTIONS.items():
        assert abs(kinds[kind] / N - fraction) < 0.02, kinds
    with_ent = sum(any(t != "O" for t in s["tags"]) for s in sentences)
    assert abs(with_ent / N - (go.FRACTION_MOUNTAIN + go.FRACTION_MIXED)) < 0.02
    for s in sentences:
        has = any(t != "O" for t in s["tags"])
        assert has == (s["kind"] in ("mountain", "mixed")), s


def test_no_duplicate_texts(sentences):
    texts = [s["text"] for s in sentences]
    assert len(texts) == len(set(texts))


def test_entities_align_to_spacy_tokens(sentences):
    nlp = spacy.blank("en")
    total = aligned = 0
    for s in sentences:
        doc = nlp(s["text"])
        for start, end in entity_spans(s):
            total += 1
            aligned += doc.char_span(start, end) is not None
    assert total > N * 0.5
    assert aligned / total >= 0.995


def test_hard_negatives_are_outside(sentences):
    """Named-after-mountain names and names built from mountain names occur, always tagged O."""
    mountain_names = set(MOUNTAINS["name"])
    seen_named_after = 0
    negatives_with_mountain_words = 0
    for s in sentences:
        tagged = {s["text"][a:b] for a, b in entity_spans(s)}
        for name in ("Mount Sinai Hospital", "Everest Group", "Mountain View"):
            if name in s["text"]:
                seen_named_after += 1
                assert name not in tagged
        if s["kind"] == "negative" and any(n in s["text"] for n in mountain_names):
            negatives_with_mountain_words += 1
    assert seen_named_after >= 5
    assert negatives_with_mountain_words >= 20


def test_mixed_sentences_hold_a_lookalike_and_a_mountain(sentences):
    mixed = [s for s in sentences if s["kind"] == "mixed"]
    # e.g. "Kilimanjaro National Park was established ... to protect [Kilimanjaro] ...": the same name twice, once O
    both = 0
    for s in mixed:
        tagged_tokens = {t for t, tag in zip(s["tokens"], s["tags"]) if tag != "O"}
        untagged_caps = {t for t, tag in zip(s["tokens"], s["tags"]) if tag == "O" and t[:1].isupper()}
        both += bool(tagged_tokens & untagged_caps)
    assert both >= len(mixed) * 0.2


def test_generic_words_articles_and_possessives_are_outside(sentences):
    for s in sentences:
        toks, tags = s["tokens"], s["tags"]
        for i, (tok, tag) in enumerate(zip(toks, tags)):
            if tok in GENERIC:
                assert tag == "O", (tok, s["text"])
            if tok.lower() == "the":
                assert not tag.startswith("B-"), s["text"]
            if tok == "'s" and tag != "O":  # only inside a name such as "Arthur's Seat"
                assert i + 1 < len(tags) and tags[i + 1].startswith("I-"), s["text"]


def test_mention_variety(sentences):
    texts = [s for s in sentences if s["kind"] == "mountain"]
    n_multi = sum(len(bio.bio_spans(s["tags"])) >= 2 for s in texts)
    n_first = sum(s["tags"][0] == "B-MOUNTAIN" for s in texts)
    n_last = sum(s["tags"][-2] != "O" for s in texts if len(s["tags"]) > 1)
    n_paren = sum(any(t == "(" and (s["tags"][i - 1] != "O" or s["tags"][i + 1] != "O")
                      for i, t in enumerate(s["tokens"][:-1]) if i) for s in texts)  # "X (3,000 m)", "(X)"
    n_the = sum(any(t.lower() == "the" and s["tags"][i + 1] == "B-MOUNTAIN" for i, t in enumerate(s["tokens"][:-1])) for s in texts)
    n_poss = sum(any(t == "'s" and s["tags"][i - 1] != "O" and s["tags"][i] == "O" for i, t in enumerate(s["tokens"]) if i) for s in texts)
    assert n_multi > len(texts) * 0.2
    assert n_first > len(texts) * 0.15
    assert n_last > len(texts) * 0.05
    assert n_the > len(texts) * 0.1
    assert n_paren > 0 and n_poss > 0


def test_synthetic_names_beside_gazetteer(sentences):
    known = set(MOUNTAINS["name"])
    mentions = [s["text"][a:b] for s in sentences for a, b in entity_spans(s)]
    synthetic = sum(m not in known for m in mentions) / len(mentions)
    assert 0.2 < synthetic < 0.6
    types = {infer_type(m) for m in mentions}
    assert {"peak", "mountain", "volcano", "hill", "range", "ridge"} <= types


def test_sentence_length_is_wikipedia_like(sentences):
    lengths = sorted(len(s["tokens"]) for s in sentences)
    median = lengths[len(lengths) // 2]
    assert 14 <= median <= 30


def test_pos_tags(sentences):
    upos = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}
    for s in sentences:
        assert set(s["pos"]) <= upos
        for tok, pos, tag in zip(s["tokens"], s["pos"], s["tags"]):
            if tag != "O" and tok[:1].isupper():
                assert pos == "PROPN"
            if tok in {",", ".", "(", ")"}:
                assert pos == "PUNCT"


def test_name_lists_are_accepted():
    out = go.generate(40, seed=3, mountains=["Mount Foo", "Bar Peak", "Baz Range"], others=["Quux", "Lake Corge"])
    assert len(out) == 40


def test_fast_enough():
    start = time.time()
    go.generate(5000, seed=5, mountains=MOUNTAINS, others=OTHERS)
    assert time.time() - start < 30


def test_cli_writes_csv(tmp_path):
    help_out = subprocess.run([sys.executable, "-m", "mountner", "generate-offline", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert help_out.returncode == 0 and "--n-sentences" in help_out.stdout
    out = tmp_path / "mountains.csv"
    run = subprocess.run([sys.executable, "-m", "mountner", "generate-offline", "--n-sentences", "60", "--seed", "4", "--output", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == bio.ROW_COLUMNS
    assert df["sentence_id"].nunique() == 60
    assert set(df["origin"]) == {"template"}  # evaluate reports the test split by origin
    assert set(df["tag"]) <= set(bio.TAGS)
    assert (df["tag_general"] == df["tag"].str.replace(r"^[BI]-", "", regex=True)).all()
    report = json.loads((tmp_path / go.REPORT_FILE_NAME).read_text(encoding="utf8"))  # beside the CSV
    assert report["written"] == report["requested"] == 60 and report["seed"] == 4
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temp file left behind


# --- kinds added after the error analysis on real encyclopedia text ----------------------------
