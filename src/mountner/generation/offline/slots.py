"""Slot fillers of the offline generator: what each {slot} of a template becomes, as segments.

A segment is (text, role): role "ENT" for a mountain (tagged), "NAME" for another proper name (O; the POS
heuristic sees it as a name) and None for plain words. Mountains come from NameMaker (gazetteer or composed);
other names from the gazetteer, the lexicon's look-alikes and the composers (composers.py); words and numbers
from the lexicon. Values are kept per sentence (SentenceState), so a repeated slot repeats its value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mountner.generation.offline import data as offline_data
from mountner.generation.offline.composers import COMPOSED_ATTRIBUTES, COMPOSED_NAMES, Segment, join_items, landform_items, quoted
from mountner.generation.offline.names import Mountain, NameMaker


@dataclass
class SentenceState:
    """Values drawn for one sentence: a repeated slot repeats its value; a name is used once."""
    values: Dict[str, object] = field(default_factory=dict)
    used_names: set = field(default_factory=set)


# --- mountain slots (tagged) ---------------------------------------------------------------------
# The slot kind and the pool or composer it draws from (NameMaker.mountain).
MOUNTAIN_SLOTS = {"mountain": "single", "volcano": "volcano", "hill": "hill", "range": "group", "ridge": "ridge",
                  "qualified_range": "qrange", "range_with_generic": "rx", "local_summit": "local", "one_word_mountain": "bare"}
# Besides these, {mountain:park} and the like name a thing after the mountain (assets/lexicon/named_after_endings.tsv).
MOUNTAIN_ATTRIBUTES = {None, "type", "elevation", "metres", "elevation_in_brackets", "country", "base_name", "namesake",
                       "modifier", "quoted"}


def _mountain_slot(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def _mountain_attribute(gen: NameMaker, state: SentenceState, slot: str, m: Mountain, attr: Optional[str]) -> List[Segment]:
    rng = gen.rng
    if attr is None:
        name = m.name
        if name.startswith("Mount ") and rng.random() < 0.05:
            name = "Mt. " + name[6:]
        return [("the " if m.the else "", None), (m.qualifier + " " if m.qualifier else "", None), (name, "ENT")]
    if attr == "modifier":  # inside a larger noun phrase: "the 1953 Mount Everest expedition"
        return [(m.qualifier + " " if m.qualifier else "", None), (m.name, "ENT")]
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


def _mountain_again(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def _native_name(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """A native or former name of the mountain: still its name."""
    if slot not in state.values:
        word = gen.syllable_word(2, 4)
        state.values[slot] = word if gen.rng.random() < 0.7 else f"{word} {gen.syllable_word(1, 2)}"
    return quoted(gen, state.values[slot]) if attr == "quoted" else [(state.values[slot], "ENT")]


def _mountain_list(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    n = gen.rng.choice([2, 3, 3, 4])
    items = []
    for m in [gen.mountain(state.used_names, "single") for _ in range(n)]:
        items.append([(m.name, "ENT")])
        if offline_data.slot_kind(slot) == "mountain_list_with_elevations":
            items[-1].append((f" ({gen.elevation(m):,} m)", None))
    return join_items(items)


def _list_segments(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str] = None) -> List[Segment]:
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
def _named(gen: NameMaker, name: str, kind: str) -> List[Segment]:
    return [(gen.article(name, kind), None), (name, "NAME")]


def _lookalike(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def _other_name(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def _composed_name(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def _word(gen: NameMaker, state: SentenceState, slot: str) -> str:
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


def _word_slot(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
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


def fill_slot(gen: NameMaker, state: SentenceState, slot: str, attr: Optional[str]) -> List[Segment]:
    """Segments for one slot occurrence (memoised per sentence, so a repeated slot repeats its value)."""
    kind = offline_data.slot_kind(slot)
    return SLOT_FILLERS.get(kind, _word_slot)(gen, state, slot, attr)
