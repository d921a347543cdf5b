"""Composed names that are not mountains (always O): products, ships, peoples, landforms, titles, lists.

Each composer takes the generator (offline_names.NameMaker) and the slot's attribute and returns
segments: (text, role) pairs with role "NAME" for the name and None for the words around it.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

Segment = Tuple[str, Optional[str]]


def join_items(items: List[List[Segment]]) -> List[Segment]:
    """"A, B and C"."""
    out: List[Segment] = []
    for i, segs in enumerate(items):
        if i:
            out.append((" and " if i == len(items) - 1 else ", ", None))
        out.extend(segs)
    return out


def _brand(gen) -> str:
    if gen.rng.random() < 0.45:
        return gen.surname()
    word = gen.syllable_word(2, 3)
    return (word.rstrip("aeiou") + gen.word("brand_endings")).capitalize() if gen.rng.random() < 0.6 else word


def product_model(gen, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    kind = attr or gen.pick(["laptop", "car", "aircraft", "camera"])
    brand = _brand(gen)
    if kind == "laptop":
        name = (f"{brand} {gen.word('laptop_lines')} {gen.word('model_trims')}" if r.random() < 0.7
                else f"{brand}{gen.word('laptop_lines')} {gen.word('model_trims')}")
    elif kind == "car":
        model = gen.word("car_models") if r.random() < 0.7 else gen.syllable_word(2, 3)
        name = f"{brand} {model}" + (f" {gen.word('car_trims')}" if r.random() < 0.6 else "")
    elif kind == "aircraft":
        name = (f"{brand} {gen.word('aircraft_names')}" + (f" Mk {gen.pick(['I', 'II', 'III', 'V', 'IX'])}" if r.random() < 0.4 else "")
                if r.random() < 0.6 else f"{brand} {gen.pick('ABCDFGHKLMPS')}{r.randint(2, 900)}")
    else:
        letters, number, suffix = gen.pick(['', 'EX', 'Z', 'X', 'D', 'F', 'K']), r.randint(1, 900), gen.pick(['', '', 'D', 's', ' Mark II', ' Pro'])
        name = f"{brand} {letters}{number}{suffix}".replace("  ", " ")
    return [(name, "NAME")]


def software(gen, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    word = gen.syllable_word(2, 3)
    name = gen.pick([f"{word}OS", f"{word} Studio", f"{word}DB", f"{word}Script", f"{word} Office", f"Open{word.lower()}", word])
    if r.random() < 0.5:
        name += f" {r.randint(1, 12)}" + (f".{r.randint(0, 9)}" if r.random() < 0.5 else "")
    return [(name, "NAME")]


def ship(gen, attr: Optional[str]) -> List[Segment]:
    stem = gen.pick([gen.word("ship_names"), gen.word("ship_names"), gen.surname(), gen.city(), gen.syllable_word(2, 3)])
    return [(f"{gen.pick(gen.lex['ship_prefixes'] + ['MV', 'SMS'])} {stem}", "NAME")]


def train(gen, attr: Optional[str]) -> List[Segment]:
    stem = gen.pick([gen.city(), gen.word("descriptors"), gen.syllable_word(2, 3), gen.word("colours")])
    name = gen.pick([f"{stem} Express", f"{stem} Line", f"{stem} Railway", f"{stem} Flyer", f"{stem} Limited", f"{stem} Branch Line"])
    return [("the ", None), (name, "NAME")]


def people(gen, attr: Optional[str]) -> List[Segment]:
    stem = gen.syllable_word(2, 3).rstrip("aeiou").capitalize()
    return [("the ", None), (stem + gen.word("people_endings"), "NAME")]


def dynasty(gen, attr: Optional[str]) -> List[Segment]:
    stem = gen.syllable_word(2, 3).rstrip("aeiou").capitalize()
    if gen.rng.random() < 0.5:
        return [("the ", None), (stem + gen.pick(["id", "ite", "ian"]), "NAME"), (" dynasty", None)]
    return [("the ", None), (stem + gen.pick(["ids", "ites", "ians"]), "NAME")]


def team(gen, attr: Optional[str]) -> List[Segment]:
    return [("the ", None), (f"{gen.pick([gen.city(), gen.word('us_states')])} {gen.word('team_mascots')}", "NAME")]


def mythical_figure(gen, attr: Optional[str]) -> List[Segment]:
    return [(gen.syllable_word(2, 3).rstrip("aeiou").capitalize() + gen.word("myth_endings"), "NAME")]


def genus(gen, attr: Optional[str]) -> List[Segment]:
    name = gen.word("science_stems") + gen.word("genus_endings")
    if attr == "family":
        name = re.sub(r"(us|um|a|on|is|es|ex|os|ix)$", "", name) + "idae"
    return [(name, "NAME")]


def species(gen, attr: Optional[str]) -> List[Segment]:
    return [(gen.word("science_stems") + gen.word("genus_endings"), "NAME"), (" " + gen.word("species_epithets"), None)]


def scientific_term(gen, attr: Optional[str]) -> List[Segment]:
    return [(gen.word("science_stems") + gen.word("term_endings"), "NAME")]


def rare_word(gen, attr: Optional[str]) -> List[Segment]:
    return [(gen.syllable_word(2, 4), "NAME")]


def compass_place(gen, attr: Optional[str]) -> List[Segment]:
    roll = gen.rng.random()
    if roll < 0.55:
        stem = gen.pick([gen.city(), gen.syllable_word(2, 3), gen.surname()])
        if stem.split()[0] in gen.lex["compass_words"]:  # Faker's "North Paul": already compass-qualified
            return [(stem, "NAME")]
        return [(f"{gen.word('compass_words')} {stem}", "NAME")]
    stem = gen.pick([gen.syllable_word(2, 3), gen.city()])
    return [("the ", None), (f"{gen.word('compass_words')} {gen.word('compass_region_heads')}", "NAME")] if roll < 0.75 else \
        [(f"{gen.word('compass_words')} {stem} {gen.word('compass_district_heads')}", "NAME")]


def _compose_landform(gen, group: Optional[str]) -> Tuple[str, str]:
    """An invented landform or structure name and its article: ("Granite Gorge", "the ")."""
    if group is None:
        group = gen.pick(sorted(gen.landform_heads))
    stem = gen.pick([gen.surname(), gen.word("descriptors"), gen.word("colours"), gen.syllable_word(2, 3), gen.city(), gen.word("local_stems")])
    prefixes = [p for p, g in gen.lex["landform_prefixes"] if g == group]
    if prefixes and gen.rng.random() < 0.3:
        return f"{gen.pick(prefixes)} {stem}", ""
    head = gen.pick(gen.landform_heads[group])
    if group == "lake" and head == "Lake":
        return f"Lake {stem}", ""
    return f"{stem} {head}", "" if head in gen.lex["no_article_heads"] else "the "


def landform(gen, attr: Optional[str]) -> List[Segment]:
    if attr is None and gen.others and gen.rng.random() < 0.25:
        kind = gen.pick(["glacier", "pass", "valley", "lake", "island", "national_park", "river"])
        if gen.others.get(kind):
            name = gen.pick(gen.others[kind])
            return [(gen.article(name, kind), None), (name, "NAME")]
    name, article = _compose_landform(gen, attr)
    return [(article, None), (name, "NAME")]


def one_word_island(gen, attr: Optional[str]) -> List[Segment]:
    pool = [n for n in gen.others.get("island", []) if " " not in n]
    if pool and gen.rng.random() < 0.4:
        return [(gen.pick(pool), "NAME")]
    return [(gen.syllable_word(2, 4), "NAME")]


def landform_items(gen, n: int) -> List[List[Segment]]:
    return [landform(gen, gen.pick(["valley", "glacier", "lake", "pass", "island", "monument", "falls", "gorge", "cave", "forest", None]))
            for _ in range(n)]


def landform_list(gen, attr: Optional[str]) -> List[Segment]:
    return join_items(landform_items(gen, gen.rng.choice([2, 3, 3, 4])))


def _work_title_text(gen) -> str:
    r = gen.rng
    roll = r.random()
    if roll < 0.3:
        return f"The {gen.word('title_adjectives')} {gen.word('title_nouns')}"
    if roll < 0.45:
        return f"{gen.word('title_nouns')} of {gen.pick(['the ', ''])}{gen.pick(gen.lex['title_nouns'] + [gen.city()])}"
    if roll < 0.6:
        return gen.syllable_word(2, 3)
    if roll < 0.75:
        return f"{gen.word('title_openings')} {gen.faker().first_name()}" if r.random() < 0.4 \
            else f"{gen.word('title_adjectives')} {gen.faker().first_name()}"
    if roll < 0.88:
        return f"{gen.word('title_adjectives')} {gen.word('title_nouns')}"
    return gen.word("title_nouns")


def quoted(gen, name: str) -> List[Segment]:
    """A mountain's name in one of the quotation styles that also mark titles of works (which are O)."""
    opening, closing = gen.pick(gen.lex["quote_styles"])
    return [(opening, None), (name, "ENT"), (closing, None)]


def work_title(gen, attr: Optional[str]) -> List[Segment]:
    """A film, song, opera or novel title, in one of several quotation styles (or none)."""
    opening, closing = gen.pick(gen.lex["quote_styles"])
    return [(opening, None), (_work_title_text(gen), "NAME"), (closing, None)]


def work_title_list(gen, attr: Optional[str]) -> List[Segment]:
    opening, closing = gen.pick(gen.lex["quote_styles"])
    return join_items([[(opening, None), (_work_title_text(gen), "NAME"), (closing, None)] for _ in range(gen.rng.choice([3, 4, 5]))])


def town_list(gen, attr: Optional[str]) -> List[Segment]:
    """Towns and districts in a row, the way lists of mountains are written: "A, B, C and D"."""
    return join_items([[(gen.city(), "NAME")] for _ in range(gen.rng.choice([3, 4, 4, 5]))])


def person_list(gen, attr: Optional[str]) -> List[Segment]:
    return join_items([[(gen.person(), "NAME")] for _ in range(gen.rng.choice([2, 3, 3, 4]))])


def others_sharing_generic(gen, attr: Optional[str]) -> List[Segment]:
    """Names sharing a plural generic that is not a mountain's: "the Tay and Earn rivers"."""
    stems = [gen.pick([gen.surname, gen.city, lambda: gen.syllable_word(2, 3)])() for _ in range(gen.rng.choice([2, 2, 3]))]
    return [("the ", None)] + join_items([[(stem, "NAME")] for stem in stems]) + [(" " + gen.word("other_shared_generics"), None)]


# Slot kind -> composer; attributes each accepts besides none.
COMPOSED_NAMES = {f.__name__: f for f in (
    product_model, software, ship, train, people, dynasty, team, mythical_figure, genus, species, scientific_term, rare_word,
    compass_place, landform, one_word_island, landform_list, work_title, work_title_list, town_list, person_list,
    others_sharing_generic)}
COMPOSED_ATTRIBUTES = {"product_model": {"laptop", "car", "aircraft", "camera"}, "genus": {"family"}}  # landform: its groups
