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

    python scripts/generate_offline.py --n-sentences 10000 --seed 0 --output corpus/mountains.csv
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import typer

from mountner.data import bio
from mountner.generation.offline import data as offline_data
from mountner.atomic_write import write_text_atomic
from mountner.generation.offline.composers import COMPOSED_ATTRIBUTES, COMPOSED_NAMES, landform_items, join_items, quoted
from mountner.generation.offline.names import TABLES, Mountain, NameMaker
from mountner.generation.pos_heuristic import tag_pos
from mountner.data.sentence_record import text_key, validate_sentence
from mountner import paths

# Mix of sentence kinds (fractions of the sentences generated) and of styles.
FRACTION_MOUNTAIN = 0.38   # one or more mountain mentions
FRACTION_OTHER = 0.30      # no mountain; other proper names (cities, rivers, people, ...)
FRACTION_NEGATIVE = 0.22   # hard negatives: named after mountains, generic mountain words, products, landforms, ...
FRACTION_MIXED = 0.10      # a mountain and a look-alike negative (or non-mountain features) in the same sentence
FRACTION_NO_MOUNTAIN = FRACTION_OTHER + FRACTION_NEGATIVE  # 0.52: real prose mostly names no mountain
KIND_FRACTIONS = {"mountain": FRACTION_MOUNTAIN, "other": FRACTION_OTHER, "negative": FRACTION_NEGATIVE, "mixed": FRACTION_MIXED}
# Styles of the mountain sentences (assets/templates/mountain_<style>.txt); the other kinds are encyclopedic.
STYLE_WEIGHTS = {"encyclopedia": 0.70, "news": 0.10, "travel": 0.10, "climbing": 0.10}
OPENER_RATE = 0.18         # share of sentences given an introductory phrase ("In 1921, ...")
COMBINE_RATE = 0.25        # share of sentences extended by a second, mountain-free clause ("...; the Rhine ...")
TAIL_RATE = 0.12           # share of sentences given a trailing phrase (", according to the Alpine Club")
MAX_TRIES = 60             # draws per sentence (duplicates, misaligned entities)
COMBINE_JOINERS = ["; ", "; ", ", and ", ", while ", ", whereas "]
REPORT_FILE_NAME = "offline_report.json"
TEMPLATE_FILES = [f"mountain_{style}" for style in STYLE_WEIGHTS] + ["other", "negative", "mixed", "openers", "tails"]
_PAST_RE = re.compile(r"\b(was|were|had|made|built|took|fought|died|won|moved|crashed|founded|reached|rescued|sold)\b")

Segment = Tuple[str, Optional[str]]  # (text, role) with role "ENT" (mountain), "NAME" (other proper name) or None


@dataclass
class SentenceState:
    """Values drawn for one sentence: a repeated slot repeats its value; a name is used once."""
    values: Dict[str, object] = field(default_factory=dict)
    used_names: set = field(default_factory=set)


@dataclass
class GeneratorData:
    templates: Dict[str, List[str]]
    lexicon: Dict[str, list]


class Generator(NameMaker):
    def __init__(self, seed: int, mountains=None, others=None, data: Optional[GeneratorData] = None):
        import spacy

        self.data = data or load_data()
        super().__init__(seed, mountains, others, self.data.lexicon)
        self.templates = self.data.templates
        self.nlp = spacy.blank("en")


# --- mountain slots (tagged) ---------------------------------------------------------------------
# The slot kind and the pool or composer it draws from (NameMaker.mountain).
MOUNTAIN_SLOTS = {"mountain": "single", "volcano": "volcano", "hill": "hill", "range": "group", "ridge": "ridge",
                  "qualified_range": "qrange", "range_with_generic": "rx", "local_summit": "local", "one_word_mountain": "bare"}
# Besides these, {mountain:park} and the like name a thing after the mountain (assets/lexicon/named_after_endings.tsv).
MOUNTAIN_ATTRIBUTES = {None, "type", "elevation", "metres", "elevation_in_brackets", "country", "base_name", "namesake",
                       "modifier", "quoted"}


def _mountain_slot(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    kind = offline_data.slot_kind(slot)
    if slot not in state.values:
        if kind == "mount_named_for_person":
            m = None
            if gen.rng.random() < 0.5:
                candidates = [m for m in gen.singles if re.fullmatch(r"Mount [A-Z][a-z]+", m.name)]
                m = gen.pick(candidates) if candidates else None
            if m is None:
                m = Mountain(f"Mount {gen.surname()}", "mountain", None, True)
            state.used_names.add(m.name)
        else:
            m = gen.mountain(state.used_names, MOUNTAIN_SLOTS[kind])
        state.values[slot] = m
    m = state.values[slot]
    if kind == "range_with_generic" and attr is None:  # "the [Drakensberg] mountain range": the generic word is O
        return [("the ", None), (m.name, "ENT"), (" " + gen.rng.choice(gen.lex["range_generics"]), None)]
    return _mountain_attribute(gen, state, slot, m, attr)


def _mountain_attribute(gen: Generator, state: SentenceState, slot: str, m: Mountain, attr: Optional[str]) -> List[Segment]:
    rng = gen.rng
    if attr is None:
        name = m.name
        if name.startswith("Mount ") and rng.random() < 0.05:
            name = "Mt. " + name[6:]
        return [("the " if m.the else "", None), (name, "ENT")]
    if attr == "modifier":  # inside a larger noun phrase: "the 1953 Mount Everest expedition"
        return [(m.name, "ENT")]
    if attr == "quoted":  # in quotation marks, as names are cited: the quotes stay outside
        return quoted(gen, m.name)
    if attr == "type":
        return [(gen.type_word(m), None)]
    if attr in ("elevation", "metres", "elevation_in_brackets"):
        key = slot + ":m"
        if key not in state.values:
            state.values[key] = gen.elevation(m)
        metres = state.values[key]
        if attr == "elevation_in_brackets":  # no nested brackets
            feet = round(metres * 3.28084)
            return [(rng.choice([f"{metres:,} m", f"{metres:,} m", f"{metres:,} metres", f"{metres:,} m; {feet:,} ft",
                                 f"{feet:,} ft/{metres:,} m", f"{feet:,} ft / {metres} m", f"{metres} m / {feet:,} ft"]), None)]
        return [(gen.elev_phrase(metres) if attr == "elevation" else f"{metres:,}", None)]
    if attr == "country":
        name = m.country if m.country and rng.random() < 0.85 else gen.pick(gen.countries)
        return [(gen.article(name, "country"), None), (name, "NAME")]
    base = gen.base_name(m)
    if attr == "base_name":
        return [(base, "NAME")]
    if attr == "namesake":
        title = rng.choice(gen.lex["namesake_titles"])
        title += " " if title else ""
        return [(title, None), (f"{gen.faker(['en_US', 'en_GB']).first_name()} {m.name.split()[-1]}", "NAME")]
    endings, kind = gen.named_after[attr]
    name = base + " " + rng.choice(endings)
    article = "" if attr == "hospital" else gen.article(name, kind)
    if attr in ("park", "org", "hotel") and rng.random() < 0.5:
        article = ""
    return [(article, None), (name, "NAME")]


def _mountain_again(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """A later, often shorter mention of {mountain}: "Everest", "Mt. Everest" or "the mountain" (O)."""
    rng = gen.rng
    m = state.values.get("mountain") or gen.mountain(state.used_names, "single")
    state.values.setdefault("mountain", m)
    name = m.name
    if name.startswith("Mount ") and len(name.split()) == 2:
        roll = rng.random()
        if roll < 0.6:
            return [(name[6:], "ENT")]
        if roll < 0.85:
            return [("Mt. " + name[6:], "ENT")]
    elif "mountain" in state.values and rng.random() < 0.5:  # no short form: a generic word, which is O
        return [("the " + rng.choice(["mountain", "peak", "summit"]) if m.type != "hill" else "the hill", None)]
    return [(name, "ENT")]


def _native_name(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """A native or former name of the mountain: still its name."""
    if slot not in state.values:
        word = gen.syllable_word(2, 4)
        state.values[slot] = word if gen.rng.random() < 0.7 else f"{word} {gen.syllable_word(1, 2)}"
    return quoted(gen, state.values[slot]) if attr == "quoted" else [(state.values[slot], "ENT")]


def _mountain_list(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    n = gen.rng.choice([2, 3, 3, 4])
    items = []
    for m in [gen.mountain(state.used_names, "single") for _ in range(n)]:
        items.append([(m.name, "ENT")])
        if offline_data.slot_kind(slot) == "mountain_list_with_elevations":
            items[-1].append((f" ({gen.elevation(m):,} m)", None))
    return join_items(items)


def _list_segments(gen: Generator, state: SentenceState, slot: str, attr: Optional[str] = None) -> List[Segment]:
    """mixed_mountain_list: 3-5 mountains of mixed forms; mountains_among_landforms: 1-2 mountains among valleys,
    glaciers, lakes, passes, islands, parks; mountains_sharing_generic: 2-3 names that share one plural generic word."""
    r, kind = gen.rng, offline_data.slot_kind(slot)
    if kind == "mountains_sharing_generic":
        stems = [gen.surname() if want == "person" else gen.mountain(state.used_names, want).name
                 for want in (gen.pick(["person", "bare", "rx"]) for _ in range(r.choice([2, 2, 3])))]
        return [("the ", None)] + join_items([[(stem, "ENT")] for stem in stems]) + [(" " + gen.word("shared_generics"), None)]
    if kind == "mixed_mountain_list":
        wants = [gen.pick(["single", "single", "bare", "local", "hill", "volcano"]) for _ in range(r.choice([3, 3, 4, 5]))]
        items = []
        for want in wants:
            m = gen.mountain(state.used_names, want)
            items.append([("the " if m.the else "", None), (m.name, "ENT")])
        return join_items(items)
    n_m = r.choice([1, 1, 2])
    items = [[("the " if m.the else "", None), (m.name, "ENT")]
             for m in (gen.mountain(state.used_names, gen.pick(["single", "single", "bare", "local", "group"])) for _ in range(n_m))]
    items += landform_items(gen, r.choice([2, 3]))
    r.shuffle(items)
    return join_items(items)


# --- names that are not mountains (O) -------------------------------------------------------------
def _named(gen: Generator, name: str, kind: str) -> List[Segment]:
    return [(gen.article(name, kind), None), (name, "NAME")]


def _lookalike(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """Real or composed names built from mountain names or mountain words: always O."""
    rng, kind = gen.rng, offline_data.slot_kind(slot)
    if kind == "town_named_like_mountain":
        town, us_state = gen.pick(gen.lookalike_towns)
        return [(town, "NAME"), (", ", None), (us_state, "NAME")] if us_state and rng.random() < 0.7 else [(town, "NAME")]
    if kind in ("college_named_after_mountain", "hospital_named_after_mountain"):
        m = gen.pick(gen.mountains) if gen.mountains else gen.synthetic_mountain("single")
        if kind == "college_named_after_mountain":
            name = gen.word("lookalike_colleges") if rng.random() < 0.5 else f"{gen.base_name(m)} {gen.word('college_heads')}"
        else:
            name = gen.word("lookalike_hospitals") if rng.random() < 0.5 else f"{gen.base_name(m)} {gen.word('hospital_heads')}"
        return _named(gen, name, "organisation")
    if kind == "organisation_named_like_mountain":
        return _named(gen, gen.pick(gen.lex["lookalike_organisations"] + gen.others.get("named_after_mountain", [])), "organisation")
    if kind == "person_named_like_mountain":
        if rng.random() < 0.6:
            return [(gen.word("lookalike_people"), "NAME")]
        m = gen.pick(gen.singles) if gen.singles else gen.synthetic_mountain("single")
        last = m.name.split()[-1] if m.name.startswith("Mount ") else gen.word("lookalike_surnames")
        return [(f"{gen.faker(['en_US', 'en_GB']).first_name()} {last}", "NAME")]
    if kind == "mountain_adjective_phrase":
        return [(gen.word("lookalike_adjective_phrases"), "NAME")]
    if kind == "organisation_named_after_mountain":
        m = gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.7 else gen.synthetic_mountain("single")
        return _named(gen, f"{gen.base_name(m)} {gen.word('organisation_suffixes')}", "organisation")
    if kind == "place_named_after_mountain":
        m = gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.7 else gen.synthetic_mountain("single")
        name = f"{gen.base_name(m)} {gen.word('derived_park_heads' if attr == 'park' else 'derived_place_heads')}"
        return _named(gen, name, "national_park" if name.endswith(("Park", "Reserve", "Forest", "Area", "Camp")) else
                      "pass" if name.endswith(("Glacier", "Pass", "Valley", "Tunnel")) else "lake")
    if kind == "mountain_brand":
        brand = gen.base_name(gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.8 else gen.synthetic_mountain("single"))
        if attr == "car":
            return [(brand, "NAME"), (" " + gen.pick(gen.brand_nouns["car"]), None)]
        if attr == "drink":
            return [(brand, "NAME"), (" " + gen.pick(gen.brand_nouns["drink"]), None)]
        # Both draws are made whatever the attribute (as they always were); no attribute: any product.
        noun = {"camera": gen.pick(gen.brand_nouns["camera"]), "gear": gen.pick(gen.brand_nouns["gear"])}.get(attr) or gen.word("product_nouns")
        return [("an " if brand[:1] in "AEIOU" else "a ", None), (brand, "NAME"), (" " + noun, None)]
    m = gen.pick(gen.singles) if gen.singles and rng.random() < 0.7 else gen.synthetic_mountain("single")
    return [(gen.word("ship_prefixes") + " " + m.name, "NAME")]  # ship_named_after_mountain


def _other_name(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """A gazetteer name of another kind (city, river, person, ...), a company, a university or a war."""
    rng, kind = gen.rng, offline_data.slot_kind(slot)
    if kind == "war":
        return [("the ", None), (gen.word("wars"), "NAME")]
    if kind == "university":
        if slot not in state.values:
            unis = [n for n in gen.others.get("organisation", []) if re.search(r"Universit|College|Institute|School|Academy|Polytechnic", n)]
            state.values[slot] = gen.pick(unis) if unis and rng.random() < 0.6 else f"University of {gen.city()}"
        return _named(gen, state.values[slot], "organisation")
    if kind == "company":
        if slot not in state.values:
            state.values[slot] = gen.company()
        return [(state.values[slot], "NAME")]
    if slot not in state.values:
        for _ in range(10):
            name = gen.pick(gen.countries) if kind == "country" and gen.countries and rng.random() < 0.5 else gen.other(kind)
            if name not in state.used_names:
                break
        state.used_names.add(name)
        state.values[slot] = name
    return _named(gen, state.values[slot], kind)


OTHER_KINDS = ["city", "country", "region", "river", "lake", "island", "sea", "valley", "glacier", "pass", "national_park",
               "organisation", "building", "person", "event", "product", "named_after_mountain", "company", "university", "war"]
LOOKALIKE_KINDS = ["town_named_like_mountain", "college_named_after_mountain", "hospital_named_after_mountain",
                   "organisation_named_like_mountain", "person_named_like_mountain", "mountain_adjective_phrase",
                   "organisation_named_after_mountain", "place_named_after_mountain", "mountain_brand", "ship_named_after_mountain"]


def _composed_name(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """A composed name that is not a mountain (product, ship, landform, title, ...), not used yet in the sentence."""
    if slot not in state.values:
        for _ in range(10):
            segments = COMPOSED_NAMES[offline_data.slot_kind(slot)](gen, attr)
            name = "".join(t for t, role in segments if role == "NAME")
            if name not in state.used_names:
                break
        state.used_names.add(name)
        state.values[slot] = segments
    return state.values[slot]


# --- words and numbers (O) ------------------------------------------------------------------------
NUMBER_KINDS = ["year", "date", "number", "small_number", "large_number", "age", "hours", "altitude", "km", "percent",
                "county", "us_state", "direction", "direction_adjective"]


def _word(gen: Generator, state: SentenceState, slot: str) -> str:
    rng, kind, values = gen.rng, offline_data.slot_kind(slot), state.values
    if kind == "year":
        if slot == "year2" and "year" in values:  # a later year than {year}
            return str(min(2024, int(values["year"]) + rng.randint(1, 45)))
        return str(rng.choice([rng.randint(1750, 1899), rng.randint(1900, 1999), rng.randint(1950, 2023)]))
    if kind == "date":  # in the year of {year}, which it sets when there is none yet
        day, month = rng.randint(1, 28), rng.choice(gen.lex["words/month"])
        year = values.get("year") or str(rng.randint(1780, 2023))
        values.setdefault("year", year)
        return f"{day} {month} {year}" if rng.random() < 0.7 else f"{month} {day}, {year}"
    if kind == "number":
        return f"{rng.choice([rng.randint(12, 999), rng.randint(1000, 6000)]):,}"
    if kind == "small_number":
        return str(rng.randint(2, 40))
    if slot == "month2" and "month" in values:  # two to five months after {month}
        months = gen.lex["words/month"]
        return months[(months.index(values["month"]) + rng.randint(2, 5)) % 12]
    simple = {"age": lambda: str(rng.randint(17, 74)), "hours": lambda: str(rng.randint(2, 9)),
              "altitude": lambda: f"{rng.randint(1000, 6500):,}", "large_number": lambda: f"{rng.randint(1200, 250000):,}",
              "km": lambda: str(rng.choice([rng.randint(2, 30), rng.randint(5, 200)])),
              "percent": lambda: f"{rng.randint(3, 60)} per cent" if rng.random() < 0.5 else f"{rng.randint(3, 60)}%",
              "county": gen.surname, "us_state": lambda: rng.choice(gen.lex["us_states"])}
    if kind in simple:
        return simple[kind]()
    if kind in ("direction", "direction_adjective"):
        d = rng.choice(["north", "south", "east", "west", "north-east", "south-west", "north-west", "south-east"])
        return d if kind == "direction" else {"north": "northern", "south": "southern", "east": "eastern", "west": "western"}.get(d, d)
    pool = gen.lex[f"words/{kind}"]  # a word list: a value not yet used in the sentence, if one comes within 10 draws
    for _ in range(10):
        value = rng.choice(pool)
        if value not in values.values():
            return value
    return value


def _word_slot(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    if slot not in state.values:
        state.values[slot] = _word(gen, state, slot)
    return [(state.values[slot], None)]


# --- slots: kind -> filler, and the attributes each kind accepts ---------------------------------
MOUNTAIN_KINDS = {*MOUNTAIN_SLOTS, "mount_named_for_person", "mountain_again", "native_name", "mountain_list",
                  "mountain_list_with_elevations", "mixed_mountain_list", "mountains_among_landforms", "mountains_sharing_generic"}
SLOT_FILLERS = {
    **{kind: _mountain_slot for kind in [*MOUNTAIN_SLOTS, "mount_named_for_person"]},
    "mountain_again": _mountain_again, "native_name": _native_name, "mountain_list": _mountain_list,
    "mountain_list_with_elevations": _mountain_list, "mixed_mountain_list": _list_segments,
    "mountains_among_landforms": _list_segments, "mountains_sharing_generic": _list_segments,
    **{kind: _other_name for kind in OTHER_KINDS}, **{kind: _lookalike for kind in LOOKALIKE_KINDS},
    **{kind: _composed_name for kind in COMPOSED_NAMES}, **{kind: _word_slot for kind in NUMBER_KINDS},
}


def slot_attributes(lexicon: Dict[str, list], landform_groups: List[str]) -> Dict[str, set]:
    """Every slot kind the templates may use, with the attributes it accepts (None: no attribute)."""
    kinds = {kind: {None} for kind in SLOT_FILLERS}
    named_after = {attribute for attribute, _, _ in lexicon["named_after_endings"]}
    kinds.update({kind: MOUNTAIN_ATTRIBUTES | named_after for kind in [*MOUNTAIN_SLOTS, "mount_named_for_person"]})
    kinds.update({kind: {None} for kind in (name[len("words/"):] for name in lexicon if name.startswith("words/"))})
    kinds["native_name"] = {None, "quoted"}
    kinds["mountain_brand"] = {None, "camera", "car", "drink", "gear"}
    kinds["place_named_after_mountain"] = {None, "park"}
    kinds["landform"] = {None, *landform_groups}
    for kind, attributes in COMPOSED_ATTRIBUTES.items():
        kinds[kind] = {None, *attributes}
    return kinds


def fill_slot(gen: Generator, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """Segments for one slot occurrence (memoised per sentence, so a repeated slot repeats its value)."""
    kind = offline_data.slot_kind(slot)
    return SLOT_FILLERS.get(kind, _word_slot)(gen, state, slot, attr)


# --- loading the data ----------------------------------------------------------------------------
@lru_cache(maxsize=4)
def load_data(template_dir: Path = paths.TEMPLATE_DIR, lexicon_dir: Path = paths.LEXICON_DIR) -> GeneratorData:
    """Templates and word lists, every file checked; DataFileError (`file:line: what is wrong`) otherwise."""
    lexicon = offline_data.load_lexicon(lexicon_dir, TABLES)
    offline_data.require(lexicon, LEXICON_LISTS, lexicon_dir)
    groups = list(dict.fromkeys(group for group, _ in lexicon["landform_heads"]))
    for prefix, group in lexicon["landform_prefixes"]:
        if group not in groups:
            raise offline_data.error_at(Path(lexicon_dir) / "landform_prefixes.tsv", prefix,
                                        f"group {group!r} of {prefix!r} is not in landform_heads.tsv ({', '.join(groups)})")
    prefixes = {prefix for prefix, _, _ in lexicon["foreign_prefixes"]}
    for prefix in lexicon["volcano_prefixes"]:
        if prefix not in prefixes:
            raise offline_data.error_at(Path(lexicon_dir) / "volcano_prefixes.txt", prefix,
                                        f"{prefix!r} is not a prefix of foreign_prefixes.tsv, whose names follow it")
    templates = offline_data.load_templates(template_dir, TEMPLATE_FILES, slot_attributes(lexicon, groups), MOUNTAIN_KINDS)
    return GeneratorData(templates, lexicon)


# The word lists of assets/lexicon that the code reads (tests/test_generate_offline.py checks the list is complete).
LEXICON_LISTS = [
    "aircraft_names", "asian_range_words", "brand_endings", "car_models", "car_trims", "college_heads", "colours",
    "compass_district_heads", "compass_region_heads", "compass_words", "composed_hill_heads", "countries_fallback",
    "derived_park_heads", "derived_place_heads", "descriptors", "genus_endings", "germanic_adjectives",
    "germanic_ends", "germanic_range_ends", "germanic_stems", "hospital_heads", "laptop_lines", "local_stems",
    "lookalike_adjective_phrases", "lookalike_colleges", "lookalike_hospitals", "lookalike_organisations",
    "lookalike_people", "lookalike_surnames", "lowerable_starts", "model_trims", "mount_names", "mount_saint_names",
    "myth_endings", "namesake_titles", "no_article_heads", "nordic_ends", "organisation_suffixes",
    "other_shared_generics", "people_endings", "plural_heads", "possessors", "product_nouns", "qualified_range_heads",
    "range_generics", "range_qualifiers", "science_stems", "shared_generics", "ship_names", "ship_prefixes",
    "species_epithets", "syllables", "team_mascots", "term_endings", "the_countries", "the_heads", "title_adjectives",
    "title_nouns", "title_openings", "town_endings", "us_states", "volcano_prefixes", "wars", "words/month",
    "world_city_locales", "world_person_locales",
]


# --- sentences -------------------------------------------------------------------------------------
def expand_alternatives(template: str, rng: random.Random) -> str:
    """[a|b] -> a or b, innermost brackets first."""
    while True:
        new = offline_data.ALTERNATIVES_RE.sub(lambda m: rng.choice(m.group(1).split("|")), template, count=1)
        if new == template:
            return new
        template = new


def _fresh_slots(template: str, keep_attributes: bool = True) -> str:
    """Slots of an appended clause or tail draw their own values: {city} -> {city7}, {city2} -> {city8}, {city3} -> {city9}.
    (A small_number there has always been drawn as a number; kept so that a seed gives the same data.)"""
    def fresh(match: re.Match) -> str:
        kind, digit = re.fullmatch(r"([a-z_]+?)([0-9]?)", match.group(1)).groups()
        kind = "number" if kind == "small_number" else kind
        attribute = f":{match.group(2)}" if match.group(2) and keep_attributes else ""
        return "{" + kind + {"": "7", "2": "8", "3": "9"}.get(digit, "9") + attribute + "}"
    return offline_data.SLOT_RE.sub(fresh, template)


def _assemble(segments: List[Segment]) -> Tuple[str, List[Tuple[int, int]], List[Tuple[int, int]]]:
    """Join segments into text; return text, mountain spans and other-name spans (character offsets)."""
    text = ""
    ents, names = [], []
    for seg, role in segments:
        if not seg:
            continue
        if role is None:
            seg = re.sub(r" {2,}", " ", seg)
            seg = re.sub(r" +([,.;:)])", r"\1", seg)
            if text.endswith(" ") and seg.startswith(" "):
                seg = seg.lstrip(" ")
            if text.endswith(" ") and seg[:1] in {",", ".", ";", ":", ")"}:
                text = text.rstrip(" ")
            if not text:
                seg = seg.lstrip(" ")
            if text.endswith(".") and seg.startswith("."):
                seg = seg[1:]
        if seg[:1].lower() in "aeiou" and not re.match(r"(?i)(uni|eu|one|use|ur)", seg) and re.search(r"(^|[ (])[Aa] $", text):
            text = text[:-1] + "n "  # "a Italian" -> "an Italian"
        start = len(text)
        text += seg
        if role == "ENT":
            ents.append((start, len(text)))
        elif role == "NAME":
            names.append((start, len(text)))
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text.rstrip(), ents, names


def _template_for(gen: Generator, kind: str) -> Tuple[str, str]:
    """A template of the kind with its alternatives chosen, maybe with an opener, a second clause or a tail; and its style."""
    rng, templates, lowerable = gen.rng, gen.templates, gen.lex["lowerable_starts"]
    style = "encyclopedia"
    if kind == "mountain":
        style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
        template = gen.pick(templates[f"mountain_{style}"])
    else:
        template = gen.pick(templates[kind])
    template = expand_alternatives(template, rng)
    first_clause = template.split(",", 1)[0]
    if (rng.random() < OPENER_RATE and template.split(" ", 1)[0] in lowerable
            and _PAST_RE.search(first_clause) and not re.search(r"\{(year|date|weekday|decade|century)", template)):
        first, rest = template.split(" ", 1)
        template = expand_alternatives(gen.pick(templates["openers"]), rng) + " " + first.lower() + " " + rest
    if template.endswith(".") and '"' not in template and "{" in template:
        roll = rng.random()
        if roll < COMBINE_RATE:
            second = expand_alternatives(gen.pick(templates["other"]), rng)
            first_word = second.split(" ", 1)[0]
            if not second.startswith('"') and (first_word in lowerable or second.startswith("{")):
                if first_word in lowerable:
                    second = first_word.lower() + " " + second.split(" ", 1)[1]
                joiner = "; " if ", and " in template or ", while " in template else gen.pick(COMBINE_JOINERS)
                template = template[:-1] + joiner + _fresh_slots(second)
        elif roll < COMBINE_RATE + TAIL_RATE and style == "encyclopedia" and not re.search(r"\b(said|according|told)\b", template):
            tail = _fresh_slots(gen.pick(templates["tails"]), keep_attributes=False)
            template = template[:-1] + expand_alternatives(tail, rng) + "."
    return template, style


def _build(gen: Generator, kind: str) -> Tuple[Optional[dict], Optional[str]]:
    """One sentence of the kind, or None and the reason it was dropped."""
    return render(gen, kind, _template_for(gen, kind)[0])[:2]


def render(gen: Generator, kind: str, template: str) -> Tuple[Optional[dict], Optional[str], List[str]]:
    """Fill in one template (alternatives already chosen): the sentence, or None and the reason it was
    dropped; and the mountain names as they were put in (for checking that the tags rebuild them)."""
    state = SentenceState()
    segments: List[Segment] = []
    pos = 0
    for m in offline_data.SLOT_RE.finditer(template):
        segments.append((template[pos:m.start()], None))
        segments.extend(fill_slot(gen, state, m.group(1), m.group(2)))
        pos = m.end()
    segments.append((template[pos:], None))
    text, ents, names = _assemble(segments)

    doc = gen.nlp.make_doc(text)
    tags = ["O"] * len(doc)
    in_name = [False] * len(doc)
    for start, end in ents:
        span = doc.char_span(start, end)
        if span is None:
            return None, "mountain_not_on_token_boundaries", []
        tags[span.start] = f"B-{bio.LABEL}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{bio.LABEL}"
        for i in range(span.start, span.end):
            in_name[i] = True
    for start, end in names:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                in_name[i] = True
    keep = [i for i, t in enumerate(doc) if not t.is_space]
    tokens = [doc[i].text for i in keep]
    in_name = [in_name[i] for i in keep]
    mentions = [text[start:end] for start, end in ents]
    # The check every path shares (and the BIO repair); a template that fails it is redrawn, counted by reason.
    sentence, reason, _ = validate_sentence(text, tokens, [tags[i] for i in keep])
    if sentence is None:
        return None, reason, mentions
    has_ent = any(t != "O" for t in sentence.tags)
    if kind in ("mountain", "mixed") and not has_ent:
        return None, f"{kind}_sentence_without_mountain", mentions
    if kind in ("other", "negative") and has_ent:
        return None, f"{kind}_sentence_with_mountain", mentions
    sentence.pos = tag_pos(tokens, in_name)
    return {**sentence.to_row(), "kind": kind, "origin": "template"}, None, mentions


def _kind_plan(n: int, rng: random.Random) -> List[str]:
    counts = {k: int(round(n * f)) for k, f in KIND_FRACTIONS.items()}
    counts["mountain"] += n - sum(counts.values())
    plan = [k for k, c in counts.items() for _ in range(max(c, 0))]
    rng.shuffle(plan)
    return plan[:n]


def generate_with_report(n_sentences: int, seed: int = 0, mountains=None, others=None, progress: bool = False,
                         data: Optional[GeneratorData] = None) -> Tuple[List[dict], dict]:
    """generate(), and a report of what was asked, written, redrawn (by reason) and lost after MAX_TRIES draws."""
    from tqdm import tqdm

    gen = Generator(seed, mountains, others, data)
    seen: set = set()
    out: List[dict] = []
    asked, written, redrawn, lost = Counter(), Counter(), Counter(), Counter()
    for kind in tqdm(_kind_plan(n_sentences, gen.rng), desc="offline sentences", unit="sentence", disable=not progress):
        asked[kind] += 1
        for _ in range(MAX_TRIES):
            sentence, reason = _build(gen, kind)
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

