"""Tests of the offline template generator (mountner.generation.offline) and its data files
(assets/templates, assets/lexicon, loaded by mountner.generation.offline.data).

They use a small name list of their own, so they do not depend on the gazetteer files.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Tuple

import pandas as pd
import pytest
import spacy

from mountner.data import bio
from mountner.generation.offline import engine as go
from mountner.generation.offline import composers as offline_composers
from mountner.generation.offline import data as offline_data
from mountner.generation.offline import generator as offline_generator
from mountner.generation.offline import names as offline_names
from mountner.generation.offline import sentences as offline_sentences
from mountner.generation.offline import slots as offline_slots
from mountner.generation.offline.name_pools import infer_type
from mountner import paths

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


@pytest.fixture(scope="module")
def sentences():
    return go.generate(N, seed=11, mountains=MOUNTAINS, others=OTHERS)


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
QUALIFIERS = set(LEXICON["range_qualifiers"]) | {adjective for _, adjective in LEXICON["country_adjectives"]}


def spans_with_context(sentence):
    """(entity tokens, token before, token after, tag after) for each tagged entity."""
    toks, tags = sentence["tokens"], sentence["tags"]
    for s, e in bio.bio_spans(tags):
        yield toks[s:e], toks[s - 1] if s else None, toks[e] if e < len(toks) else None, tags[e] if e < len(tags) else None, (s, e)


def test_no_mountain_share_is_at_least_half(sentences):
    assert go.FRACTION_NO_MOUNTAIN == pytest.approx(go.FRACTION_OTHER + go.FRACTION_NEGATIVE)
    assert go.FRACTION_NO_MOUNTAIN >= 0.5
    assert go.FRACTION_MOUNTAIN + go.FRACTION_MIXED >= 0.4
    without = sum(all(t == "O" for t in s["tags"]) for s in sentences)
    assert without / N >= 0.48


def test_qualified_ranges_keep_the_outside_and_the_adjective_inside(sentences):
    found = 0
    for s in sentences:
        for ent, before, _after, _, _ in spans_with_context(s):
            if len(ent) >= 2 and ent[0] in QUALIFIERS and before is not None and before.lower() == "the":
                found += 1
    assert found >= 15
    # and the composer puts the adjective in the name, never the article
    gen = go.Generator(0, MOUNTAINS, OTHERS)
    for _ in range(50):
        m = gen.qualified_range()
        assert m.the and m.name.split()[0] in QUALIFIERS and not m.name.lower().startswith("the ")


def test_mountain_used_as_modifier_is_tagged(sentences):
    heads = {"expedition", "base", "disaster", "climbing", "tunnel", "region", "area", "eruption", "trail", "summit"}
    found = 0
    for s in sentences:
        for ent, _before, after, after_tag, _ in spans_with_context(s):
            if after in heads:
                found += 1
                assert after_tag == "O", s["text"]
    assert found >= 15


def test_lowercase_generic_after_a_range_name_is_outside(sentences):
    found = 0
    for s in sentences:
        toks, tags = s["tokens"], s["tags"]
        for ent, before, after, after_tag, (a, e) in spans_with_context(s):
            if after in ("mountain", "range", "massif", "mountains") and ent[-1] not in ("Range", "Mountains", "Massif"):
                found += 1
                if after == "mountain" and e + 1 < len(toks) and toks[e + 1] == "range":
                    assert tags[e] == tags[e + 1] == "O", s["text"]
                assert after_tag == "O"
                # "the [Drakensberg] mountain range"; or the last of names sharing it: "the [Onar] and [Zuon] mountains"
                assert before is not None and before.lower() in ("the", "and"), s["text"]
    assert found >= 5


def test_capitalised_things_named_after_mountains_are_outside_as_a_whole(sentences):
    heads = r"(Tunnel|Road Tunnel|Base Tunnel|Railway Tunnel|National Park|Hospital|General Hospital|Medical Center|Medical Centre|Clinic|Nature Reserve)"
    names = sorted({n for n in MOUNTAINS["name"]} | {n[6:] for n in MOUNTAINS["name"] if n.startswith("Mount ")}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r") " + heads + r"\b")
    found = 0
    for s in sentences:
        spans = entity_spans(s)
        for m in pattern.finditer(s["text"]):
            found += 1
            assert not any(a < m.end() and b > m.start() for a, b in spans), (m.group(0), s["text"])
    assert found >= 10


def test_local_and_bare_mountains_are_tagged(sentences):
    local = bare = 0
    for s in sentences:
        for ent, _b, _a, _t, _ in spans_with_context(s):
            if len(ent) == 2 and ent[1] in ("Knob", "Bald", "Mountain", "Hill", "Top", "Dome"):
                local += 1
            if len(ent) == 1 and ent[0] not in set(MOUNTAINS["name"]):
                bare += 1
    assert local >= 30 and bare >= 30


def test_mountain_lists_have_several_forms(sentences):
    lists = [s for s in sentences if s["kind"] == "mountain" and len(bio.bio_spans(s["tags"])) >= 3]
    assert len(lists) >= 30


def test_products_structures_and_landforms_are_outside(sentences):
    structure_heads = {"Bridge", "Viaduct", "Dam", "Reservoir", "Gorge", "Canyon", "Falls", "Cave", "Caves", "Plateau", "Lighthouse",
                       "Express", "Railway", "Line", "Island", "Isle", "Glacier", "Valley", "Pass", "Basin", "Marsh", "Bay"}
    seen = Counter()
    for s in sentences:
        tags = s["tags"] + ["O"]
        for i, tok in enumerate(s["tokens"]):
            if tok in structure_heads:
                seen[tok] += 1
                # A landform or structure head never ends a mountain name; as a first word it may
                # start one ("Glacier Peak").
                assert tags[i] == "O" or tags[i + 1] == "I-MOUNTAIN", (tok, s["text"])
    assert sum(seen.values()) >= 150 and len(seen) >= 12
    mixed_features = sum(1 for s in sentences if s["kind"] == "mixed" and any(t in structure_heads for t in s["tokens"]))
    assert mixed_features >= 15  # landforms and mountains side by side in the same sentence
    gen = go.Generator(0, MOUNTAINS, OTHERS)
    for slot, composer in offline_composers.COMPOSED_NAMES.items():
        attrs = {"product_model": (None, "laptop", "car", "aircraft", "camera"), "landform": (None, *gen.landform_heads)}.get(slot, (None,))
        for attr in attrs:
            for role in {role for _, role in composer(gen, attr)}:
                assert role in (None, "NAME")  # never a mountain


def test_negative_kinds_cover_products_peoples_and_compass_places(sentences):
    neg = [s["text"] for s in sentences if s["kind"] == "negative"]
    checks = {
        "vehicles and computers": r"\b(GT|GTI|Mk [IVX]+|Series \d|Pro|X1|Carbon|Gen 3|Coupé|Estate|Turbo)\b",
        "peoples and dynasties": r"\bthe [A-Z][a-z]+(ites|ids|ians|ans|ese|is|ars|ates|ins)\b|dynasty",
        "compass places": r"\b(North|South|East|West|Upper|Lower|Northern|Southern|Eastern|Western) [A-Z]",
        "science": r"\b[A-Z][a-z]+(cereus|saurus|phyllum|dendron|myces|bacter|poietin|globin|mycin|kinase|idae)\b",
    }
    for what, pattern in checks.items():
        assert sum(bool(re.search(pattern, t)) for t in neg) >= 5, what


def test_titles_town_lists_and_people_lists_are_outside():
    gen = go.Generator(5, MOUNTAINS, OTHERS)
    for composer in (offline_composers.work_title, offline_composers.work_title_list, offline_composers.town_list,
                     offline_composers.person_list):
        for _ in range(30):
            segments = composer(gen, None)
            assert {role for _, role in segments} <= {None, "NAME"}  # never a mountain
            assert any(role == "NAME" for _, role in segments)
    people = " ".join(gen.person() for _ in range(300))
    assert re.search(r"[čėšžğışəñ]", people)  # names from outside English-speaking Europe too


def test_world_people_and_towns_appear_in_other_sentences(sentences):
    other = [s for s in sentences if s["kind"] == "other"]
    lists = [s for s in other if re.search(r"([A-Z][\w'-]+(?: [A-Z][\w'-]+)*, ){2,}", s["text"])]
    assert len(lists) >= 20
    assert all(t == "O" for s in lists for t in s["tags"])


def test_quoted_mountain_names_are_tagged_and_the_quotes_stay_outside(sentences):
    gen = go.Generator(9, MOUNTAINS, OTHERS)
    for slot in ("mountain", "native_name"):
        for _ in range(20):
            segments = offline_slots.fill_slot(gen, offline_slots.SentenceState(), slot, "quoted")
            assert [role for _, role in segments] == [None, "ENT", None]
            assert (segments[0][0], segments[2][0]) in LEXICON["quote_styles"] and segments[1][0][:1].isupper()
    quotes = {'"', "``", "''", "“", "”"}
    quoted = [s for s in sentences
              if any(tag.startswith("B-") and i and s["tokens"][i - 1] in quotes for i, tag in enumerate(s["tags"]))]
    assert len(quoted) >= 5
    assert all(tag == "O" for s in quoted for word, tag in zip(s["tokens"], s["tags"]) if word in quotes)


def test_invented_one_word_towns_are_outside_like_real_towns(sentences):
    """Invented single words name towns as well as mountains, so the word's novelty is no cue."""
    syllable = "(?:" + "|".join(LEXICON["syllables"]) + ")"
    invented = re.compile(rf"{syllable}{{2,3}}|{syllable}{{1,3}}?[a-z]?(?:{'|'.join(LEXICON['town_endings'])})", re.IGNORECASE)
    gen = go.Generator(3, MOUNTAINS, OTHERS)
    towns = [gen.city() for _ in range(400)]
    assert 0.2 < sum(bool(invented.fullmatch(t)) for t in towns) / len(towns) < 0.45
    outside = [w for s in sentences if s["kind"] == "other" for w, t in zip(s["tokens"], s["tags"])
               if t == "O" and w[:1].isupper() and invented.fullmatch(w) and w.endswith(tuple(LEXICON["town_endings"]))]
    assert len(outside) >= 10


def test_same_seed_same_data_in_another_process():
    """Python salts string hashes per process: nothing may depend on set order or hash values."""
    code = "from mountner.generation.offline import engine as go; print([s['text'] for s in go.generate(400, seed=3)])"
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": salt}).stdout
               for salt in ("1", "2")}
    assert len(outputs) == 1


def test_names_sharing_a_generic_word_are_tagged_and_the_word_stays_outside():
    gen = go.Generator(7, MOUNTAINS, OTHERS)
    for _ in range(30):
        segments = offline_slots.fill_slot(gen, offline_slots.SentenceState(), "mountains_sharing_generic", None)
        names = [text for text, role in segments if role == "ENT"]
        assert 2 <= len(names) <= 3
        assert segments[0] == ("the ", None) and segments[-1][1] is None
        assert segments[-1][0].strip() in LEXICON["shared_generics"]  # "the [Tarrow] and [Keld] ranges"
        twin = offline_composers.others_sharing_generic(gen, None)  # "the Tay and Earn rivers": no mountain at all
        assert {role for _, role in twin} <= {None, "NAME"} and twin[-1][0].strip() in LEXICON["other_shared_generics"]


# --- the data files: every template renders, the loader names the file and line of a mistake ----
def test_every_template_renders_and_its_tags_rebuild_the_mountain_names():
    gen = go.Generator(13, MOUNTAINS, OTHERS)
    for stem, templates in gen.templates.items():
        kind = "mountain" if stem.startswith("mountain") else "negative" if stem in ("openers", "tails") else stem
        for template in templates:
            for _ in range(30):  # a draw can put a mountain off token boundaries: another draw
                sentence, reason, mentions = offline_sentences.render(gen, kind, offline_sentences.expand_alternatives(template, gen.rng))
                if sentence is not None:
                    break
            assert sentence is not None, (stem, template, reason)
            tokens, tags = sentence["tokens"], sentence["tags"]
            assert "{" not in sentence["text"] and "[" not in sentence["text"], (stem, template, sentence["text"])
            assert set(tags) <= set(bio.TAGS) and bio.repair_bio(tags)[1] == 0, (template, tags)
            offsets = bio.word_char_offsets(sentence["text"], tokens)
            assert offsets is not None, sentence["text"]
            tagged = [sentence["text"][offsets[s][0]:offsets[e - 1][1]] for s, e in bio.bio_spans(tags)]
            assert tagged == mentions, (template, sentence["text"])  # every name put in is tagged, exactly
            assert bool(mentions) == (kind in ("mountain", "mixed")), (stem, template)


def copy_data(tmp_path: Path) -> Tuple[Path, Path]:
    templates, lexicon = tmp_path / "templates", tmp_path / "lexicon"
    shutil.copytree(paths.TEMPLATE_DIR, templates)
    shutil.copytree(paths.LEXICON_DIR, lexicon)
    return templates, lexicon


def append_line(path: Path, line: str) -> int:
    """Append a line; return its line number."""
    text = path.read_text(encoding="utf8")
    path.write_text(text + line + "\n", encoding="utf8")
    return text.count("\n") + 1


@pytest.mark.parametrize("file_name, line, message", [
    ("other.txt", "The town lies near {citty}.", "unknown slot {citty}"),
    ("other.txt", "The town lies [near|by {city}.", "'[' without ']'"),
    ("negative.txt", "The {year} eruption of {volcano} was small.", "negative templates must not name a mountain"),
    ("mountain_news.txt", "The road to {city} was closed.", "needs a mountain slot"),
    ("mountain_news.txt", "{mountain:height} is high.", "{mountain} has no attribute 'height'"),
    ("mixed.txt", "{Mountain} and {city}.", "bad slot '{Mountain}'"),
    ("openers.txt", "In {year}", "an opener ends with ','"),
])
def test_loader_names_the_file_and_line_of_a_bad_template(tmp_path, file_name, line, message):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(templates / file_name, line)
    with pytest.raises(offline_data.DataFileError) as error:
        go.load_data(templates, lexicon)
    assert str(error.value).startswith(f"{templates / file_name}:{number}: ")
    assert message in str(error.value)


def test_loader_names_the_file_and_line_of_a_bad_word_list(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(lexicon / "single_heads.tsv", "Pinnacle\tpeak")  # the weight is missing
    with pytest.raises(offline_data.DataFileError, match=rf"single_heads.tsv:{number}: expected 3 tab-separated cells"):
        go.load_data(templates, lexicon)
    (lexicon / "single_heads.tsv").unlink()
    with pytest.raises(offline_data.DataFileError, match=r"single_heads.tsv:0: file missing"):
        go.load_data(templates, lexicon)
    shutil.copy(paths.LEXICON_DIR / "single_heads.tsv", lexicon)
    (lexicon / "words" / "rock.txt").unlink()  # the words of {rock}: its templates now name an unknown slot
    with pytest.raises(offline_data.DataFileError, match=r"mountain_encyclopedia.txt:\d+: unknown slot \{rock\}"):
        go.load_data(templates, lexicon)


def test_cli_stops_on_a_bad_template_with_one_line_and_writes_nothing(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(templates / "tails.txt", ", according to {organisatoin}")
    out = tmp_path / "mountains.csv"
    run = subprocess.run([sys.executable, "-m", "mountner", "generate-offline", "--n-sentences", "5", "--output", str(out),
                          "--template-dir", str(templates), "--lexicon-dir", str(lexicon)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert run.stderr.strip() == f"generate_offline: {templates / 'tails.txt'}:{number}: unknown slot {{organisatoin}}; " \
                                 "known slots are listed in assets/templates/README.md"
    assert not out.exists() and not (tmp_path / go.REPORT_FILE_NAME).exists()


def test_every_word_list_is_read_and_every_list_the_code_reads_exists():
    modules = (go, offline_generator, offline_sentences, offline_slots, offline_names, offline_composers)
    code = "".join(Path(module.__file__).read_text(encoding="utf8") for module in modules)
    read = set(re.findall(r"""(?:word|lex|lexicon)[(\[]["']([a-z_/]+)["'][)\]]""", code))
    assert read - set(offline_names.TABLES) <= set(offline_generator.LEXICON_LISTS)  # the loader requires every list the code reads
    on_disk = {p.relative_to(paths.LEXICON_DIR).with_suffix("").as_posix() for p in paths.LEXICON_DIR.rglob("*.txt")}
    word_slots = {name for name in on_disk if name.startswith("words/")}
    assert on_disk - word_slots == set(offline_generator.LEXICON_LISTS) - {"words/month"}
    assert all(f'"{name}"' in code or f"'{name}'" in code for name in offline_generator.LEXICON_LISTS)  # no list lies unused
    used_slots = {offline_data.slot_kind(m.group(1)) for p in paths.TEMPLATE_DIR.glob("*.txt")
                  for m in offline_data.SLOT_RE.finditer(p.read_text(encoding="utf8"))}
    assert {name[len("words/"):] for name in word_slots} <= used_slots  # and no word slot either


def test_report_counts_every_redraw_and_every_lost_sentence(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    for path in list(templates.glob("mountain_*.txt")) + [templates / "mixed.txt"]:
        path.write_text("{mountain}x rises above the town.\n", encoding="utf8")  # "Mount Foox": never on token boundaries
    data = go.load_data(templates, lexicon)
    sentences, report = go.generate_with_report(40, seed=2, mountains=MOUNTAINS, others=OTHERS, data=data)
    asked = {kind: counts["requested"] for kind, counts in report["by_kind"].items()}
    assert report["lost_after_max_tries"] == {"mixed": asked["mixed"], "mountain": asked["mountain"]} and asked["mountain"] > 0
    assert report["redrawn"]["mountain_not_on_token_boundaries"] == go.MAX_TRIES * (asked["mountain"] + asked["mixed"])
    assert report["written"] == len(sentences) == asked["other"] + asked["negative"]
    assert all(s["kind"] in ("other", "negative") for s in sentences)
    path = tmp_path / "out" / go.REPORT_FILE_NAME
    go.write_report(report, path)
    assert json.loads(path.read_text(encoding="utf8")) == report and [p.name for p in path.parent.iterdir()] == [path.name]


def test_loader_checks_word_lists_against_each_other(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(lexicon / "volcano_prefixes.txt", "Volcanu")  # no names follow this prefix
    with pytest.raises(offline_data.DataFileError, match=rf"volcano_prefixes.txt:{number}: 'Volcanu' is not a prefix"):
        go.load_data(templates, lexicon)
