"""The offline generator's sentences follow the guideline: what is inside a name and what stays outside, on the
sentences of test_generate_offline.py's fixture."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mountner.data import bio
from mountner.generation.offline import engine as go
from mountner.generation.offline import composers as offline_composers
from mountner.generation.offline import slots as offline_slots

from test_generate_offline import LEXICON, MOUNTAINS, N, OTHERS, entity_spans, sample

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sentences():
    return sample()


QUALIFIERS = set(LEXICON["range_qualifiers"])
NATIONAL = {adjective for _, adjective in LEXICON["country_adjectives"]}


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


def test_qualified_ranges_keep_a_directional_adjective_inside_and_a_national_one_outside(sentences):
    inside = outside = 0
    for s in sentences:
        for ent, before, _after, _, (start, _end) in spans_with_context(s):
            if len(ent) >= 2 and ent[0] in QUALIFIERS and before is not None and before.lower() == "the":
                inside += 1
            assert ent[0] not in NATIONAL, s["text"]  # never "[Swiss Alps]"
            if before in NATIONAL and start > 1 and s["tokens"][start - 2].lower() == "the":
                outside += 1  # "the Swiss [Alps]"
    assert inside >= 15 and outside >= 5
    # and the composer puts a directional adjective in the name and a national one before it, never the article
    gen = go.Generator(0, MOUNTAINS, OTHERS)
    made = [gen.qualified_range() for _ in range(50)]
    assert all(m.the and not m.name.lower().startswith("the ") for m in made)
    assert all(m.name.split()[0] in QUALIFIERS for m in made if not m.qualifier)
    assert {m.qualifier for m in made if m.qualifier} <= NATIONAL and sum(bool(m.qualifier) for m in made) >= 5


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
