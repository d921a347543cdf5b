"""Names for the offline generator: gazetteer names, composed (unseen) mountains, towns, people and look-alikes.

The word parts come from assets/lexicon (offline_data.py loads and checks them); this module holds the
patterns that put them together. All randomness comes from one random.Random and seeded Faker instances,
so a seed gives the same names in every process. The gazetteer's names are read into pools by name_pools.py.
"""
from __future__ import annotations

import random
import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

from faker import Faker

from mountner.generation.offline.name_pools import GROUP_TYPES, SINGLE_TYPES, Mountain, gazetteer_or_fallback, mountains_from, others_from

SYNTHETIC_RATE = 0.30      # share of mountain mentions that are composed, not from the gazetteer
COMPOSED_TOWN_RATE = 0.3   # share of towns that are invented words, as a share of the mountains are
FAKER_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "pt_BR", "nl_NL", "pl_PL", "no_NO"]
# Tables of assets/lexicon and their columns.
TABLES = {
    "fallback_mountains": ("name", "type", "region", "country"), "fallback_others": ("name", "kind"),
    "towns_named_like_mountains": ("town", "state"), "single_heads": ("head", "type", "weight"),
    "group_heads": ("head", "type", "weight"), "local_heads": ("head", "type", "weight"),
    "foreign_prefixes": ("prefix", "faker_locale", "type"), "foreign_names": ("prefix", "rest"),
    "range_prefixes": ("prefix", "rest"), "country_adjectives": ("country", "adjective"),
    "landform_heads": ("group", "head"), "landform_prefixes": ("prefix", "group"), "quote_styles": ("opening", "closing"),
    "type_words": ("type", "word"), "brand_nouns": ("attribute", "noun"), "named_after_endings": ("attribute", "kind", "ending"),
}


def grouped(pairs) -> Dict[str, List[str]]:
    """(key, value) rows of a lexicon table as {key: [values in file order]}."""
    out: Dict[str, List[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


class NameMaker:
    """Draws names: from the gazetteer pools or composed from the lexicon's word parts."""

    def __init__(self, seed: int, mountains, others, lexicon: Dict[str, list]):
        self.lex = lexicon
        self.rng = random.Random(seed)
        self.fakers = {}
        person_locales, city_locales = lexicon["world_person_locales"], lexicon["world_city_locales"]
        for i, loc in enumerate(FAKER_LOCALES + person_locales + [loc for loc in city_locales if loc not in person_locales]):
            fk = Faker(loc)
            fk.seed_instance(seed * 1009 + i)
            self.fakers[loc] = fk
        self.foreign: Dict[str, Tuple[List[str], Optional[str], str]] = {
            prefix: ([rest for p, rest in lexicon["foreign_names"] if p == prefix], locale or None, mtype)
            for prefix, locale, mtype in lexicon["foreign_prefixes"]}
        self.range_prefixes = grouped(lexicon["range_prefixes"])
        self.landform_heads = grouped(lexicon["landform_heads"])
        self.country_adjectives = dict(lexicon["country_adjectives"])
        self.type_words = grouped(lexicon["type_words"])
        self.brand_nouns = grouped(lexicon["brand_nouns"])
        self.named_after: Dict[str, Tuple[List[str], str]] = {}
        for attribute, kind, ending in lexicon["named_after_endings"]:
            self.named_after.setdefault(attribute, ([], kind))[0].append(ending)
        self.plural_heads = set(lexicon["plural_heads"])
        self.the_heads, self.the_countries = set(lexicon["the_heads"]), set(lexicon["the_countries"])
        # Head words with a weight: repeated weight times, so one draw picks them that often.
        self.weighted = {name: [row for row in lexicon[name] for _ in range(row[2])]
                         for name in ("single_heads", "group_heads", "local_heads")}
        self.skipped: Dict[str, int] = {}
        if mountains is None:
            mountains = gazetteer_or_fallback("load_mountains", lexicon["fallback_mountains"], TABLES["fallback_mountains"])
        if others is None:
            others = gazetteer_or_fallback("load_other_names", lexicon["fallback_others"], TABLES["fallback_others"])
        self.mountains = mountains_from(mountains, self.plural_heads, self.skipped)
        self.by_type: Dict[str, List[Mountain]] = {}
        for m in self.mountains:
            self.by_type.setdefault(m.type, []).append(m)
        self.singles = [m for m in self.mountains if m.type in SINGLE_TYPES]
        self.groups = [m for m in self.mountains if m.type in GROUP_TYPES]
        self.others = others_from(others, self.skipped)
        self.bare = [m for m in self.singles if re.fullmatch(r"[A-ZÀ-Þ][\w'-]+", m.name) and m.name not in self.plural_heads]
        self.local = [m for m in self.mountains if len(m.name.split()) >= 2
                      and m.name.split()[-1] in {"Mountain", "Hill", "Knob", "Bald", "Peak", "Top", "Dome"}
                      and not m.name.startswith(("Mount ", "The "))]
        self.qualifiable = [m for m in self.groups if m.type == "range" and not m.name.startswith(("Sierra", "Cordillera", "Monts", "Montes", "Serra"))
                            and m.name.split()[0] not in lexicon["range_qualifiers"] and m.name.split()[0] not in self.country_adjectives.values()
                            and m.name.split()[-1] not in {"Range", "Ridge", "Massif", "Ranges"} and len(m.name.split()) <= 2]
        self.headless = [m for m in self.groups if m.type == "range" and re.fullmatch(r"[A-ZÀ-Þ][\w'-]+( [A-ZÀ-Þ][\w'-]+)?", m.name)
                         and not m.name.endswith("s")
                         and m.name.split()[-1] not in {"Range", "Ridge", "Massif", "Mountains", "Hills", "Highlands", "Alps", "Group", "Chain"}
                         and m.name.split()[0] not in {"Sierra", "Cordillera", "Monts", "Montes", "Serra", "Massif"}]
        self.countries = sorted(set(self.others.get("country", [])) | {m.country for m in self.mountains if m.country}) or lexicon["countries_fallback"]
        self.lookalike_towns = list(lexicon["towns_named_like_mountains"]) + [
            (n, None) for n in self.others.get("city", []) if re.match(r"(Mount|Mountain|Mt\.?) |.* (Hills?|Mount|Mountain|Peak|Ridge)$", n)]
        # Names that can be a mountain must never be drawn as "other" names.
        mountain_names = {m.name for m in self.mountains}
        for kind in list(self.others):
            kept = [n for n in self.others[kind] if n not in mountain_names or kind == "named_after_mountain"]
            if len(kept) < len(self.others[kind]):
                self.skipped["other_names_that_are_mountains"] = self.skipped.get("other_names_that_are_mountains", 0) + len(self.others[kind]) - len(kept)
            self.others[kind] = kept

    # -- helpers ---------------------------------------------------------------------------
    def faker(self, locales: Optional[Sequence[str]] = None):
        locs = list(locales) if locales else list(self.fakers)
        return self.fakers[self.rng.choice(locs)]

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def word(self, name: str) -> str:
        """One entry of a word list of assets/lexicon."""
        return self.pick(self.lex[name])

    def syllable_word(self, n_min=2, n_max=3) -> str:
        return "".join(self.word("syllables") for _ in range(self.rng.randint(n_min, n_max))).capitalize()

    def surname(self) -> str:
        for _ in range(10):
            name = self.faker(["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL", "no_NO"]).last_name()
            if re.fullmatch(r"[A-Z][A-Za-zÀ-ÿ'’-]+", name) and "-" not in name:
                return name.replace("’", "'")
        return "Harrison"

    def person(self) -> str:
        fk = self.faker()  # any locale: foreign-looking names of people are not mountains either
        return f"{fk.first_name()} {fk.last_name()}".replace("’", "'")

    def company(self) -> str:
        fk = self.faker(["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "nl_NL"])
        name = fk.company()
        return " ".join(name.replace("’", "'").split())

    def city(self) -> str:
        # Invented one-word towns ("Tamurby", "Korisa"), made like the invented one-word mountains:
        # otherwise an unfamiliar word alone would mark a mountain, and real towns are unfamiliar too.
        if self.rng.random() < COMPOSED_TOWN_RATE:
            stem = self.syllable_word(2, 3)
            return stem if self.rng.random() < 0.4 else stem.rstrip("aeiou") + self.word("town_endings")
        # Not it_IT: Faker's Italian city() depends on the interpreter's hash seed, so the same seed
        # would give other data in another process.
        fk = self.faker(["en_GB", "de_DE", "fr_FR", "es_ES", "pt_BR", "nl_NL", "pl_PL", "no_NO", "en_US"]
                        + self.lex["world_city_locales"])
        return fk.city()

    # -- mountains -------------------------------------------------------------------------
    def synthetic_mountain(self, want: str) -> Mountain:
        """Compose an unseen but plausible name; want is "single", "group", "volcano", "hill" or "ridge"."""
        r = self.rng
        if want == "ridge":
            stem = self.pick([self.word("descriptors"), self.surname(), self.word("colours")])
            return Mountain(f"{stem} Ridge", "ridge", None, True, True)
        if want == "group":
            roll = r.random()
            if roll < 0.5:
                stem = self.pick([self.surname(), self.word("descriptors"), self.word("colours"), self.syllable_word()])
                head, mtype, _ = self.pick(self.weighted["group_heads"])
                return Mountain(f"{stem} {head}", mtype, None, True, True)
            if roll < 0.58:
                stem = self.pick([self.syllable_word(), self.surname(), self.word("descriptors")])
                name = self.pick([f"{stem} Cordillera", f"Sierra de {stem}", f"{stem} Massif"])
                return Mountain(name, "massif" if name.endswith("Massif") else "range", None, True, True)
            if roll < 0.8:
                prefix = self.pick(sorted(self.range_prefixes))
                rest = self.pick(self.range_prefixes[prefix]) if r.random() < 0.6 else self.syllable_word()
                return Mountain(f"{prefix} {rest}", "range", None, True, True)
            return Mountain(self.syllable_word(3, 4), "range", None, True, True)
        if want == "volcano":
            roll = r.random()
            if roll < 0.35:
                return Mountain(f"Mount {self.pick([self.surname(), self.syllable_word()])}", "volcano", None, True)
            if roll < 0.75:
                prefix = self.word("volcano_prefixes")
                rest = self.pick(self.foreign[prefix][0]) if r.random() < 0.4 else self.syllable_word()
                return Mountain(f"{prefix} {rest}", "volcano", None, True)
            return Mountain(self.syllable_word(3, 4), "volcano", None, True)
        if want == "hill":
            stem = self.pick([self.surname(), self.word("descriptors"), self.word("colours"), self.word("possessors")])
            return Mountain(f"{stem} {self.word('composed_hill_heads')}", "hill", None, True)
        roll = r.random()
        if roll < 0.22:
            word = self.surname() if r.random() < 0.75 else self.word("mount_names")
            if r.random() < 0.06:
                word = f"St. {self.word('mount_saint_names')}"
            return Mountain(f"Mount {word}", "mountain", None, True)
        if roll < 0.50:
            stem_roll = r.random()
            stem = (self.surname() if stem_roll < 0.35 else self.word("descriptors") if stem_roll < 0.65 else
                    self.word("colours") if stem_roll < 0.8 else self.word("possessors") if stem_roll < 0.92
                    else f"{self.word('colours')} {self.word('descriptors')}")
            head, mtype, _ = self.pick(self.weighted["single_heads"])
            return Mountain(f"{stem} {head}", mtype, None, True)
        if roll < 0.80:
            prefix = self.pick(sorted(self.foreign))
            words, locale, mtype = self.foreign[prefix]
            if r.random() < 0.55:
                rest = self.pick(words)
            elif locale and r.random() < 0.6:
                rest = self.fakers[locale].last_name()
            else:
                rest = self.syllable_word()
            return Mountain(f"{prefix} {rest}", mtype, None, True)
        if roll < 0.90:
            name = self.word("germanic_stems") + self.word("germanic_ends")
            if r.random() < 0.2:
                name = f"{self.word('germanic_adjectives')} {self.syllable_word()}"
            return Mountain(name, "peak", None, True)
        if roll < 0.95:
            return Mountain(self.syllable_word(2, 3).rstrip("aeiou").capitalize() + self.word("nordic_ends"), "peak", None, True)
        word = self.syllable_word(2, 3)
        return Mountain(self.pick([f"{word}-dake", f"{word}yama", f"{word} Dağı", f"Mount {word}", f"{word}-san"]), "mountain", None, True)

    def qualified_range(self) -> Mountain:
        """A range name with a directional adjective inside it ("Northern Apennines"), or with a national one before it
        and outside it, as the guideline has it (the Swiss [Alps]): the adjective says where, the name stays the range's."""
        r = self.rng
        if self.qualifiable and r.random() >= SYNTHETIC_RATE:
            base = self.pick(self.qualifiable)
            name, country = base.name, base.country
        else:
            roll = r.random()
            stem = self.syllable_word(2, 3)
            name = (stem + "s" if roll < 0.4 else f"{self.pick([stem, self.surname(), self.word('descriptors')])} {self.word('qualified_range_heads')}"
                    if roll < 0.85 else stem)
            country = self.pick(sorted(self.country_adjectives))
        if country in self.country_adjectives and r.random() < 0.4:
            return Mountain(name, "range", country, True, True, qualifier=self.country_adjectives[country])
        return Mountain(f"{self.word('range_qualifiers')} {name}", "range", country, True, True)

    def local_mountain(self) -> Mountain:
        """US-style local summit: Bear Mountain, Smith Knob, Gregory Bald."""
        roll = self.rng.random()
        stem = (self.word("local_stems") if roll < 0.4 else self.faker(["en_US", "en_GB"]).last_name() if roll < 0.75
                else self.word("descriptors") if roll < 0.92 else self.word("colours"))
        stem = stem.replace("’", "'")
        for _ in range(5):
            head, mtype, _ = self.pick(self.weighted["local_heads"])
            if head not in stem:
                break
        return Mountain(f"{stem} {head}", mtype, None, True)

    def bare_mountain(self) -> Mountain:
        roll = self.rng.random()
        if roll < 0.6:
            return Mountain(self.syllable_word(2, 4), self.pick(["peak", "mountain", "volcano"]), None, True)
        if roll < 0.85:
            return Mountain(self.word("germanic_stems") + self.word("germanic_ends"), "peak", None, True)
        return Mountain(self.syllable_word(2, 3).rstrip("aeiou").capitalize() + self.word("nordic_ends"), "peak", None, True)

    def headless_range(self) -> Mountain:
        roll = self.rng.random()
        if roll < 0.5:
            name = self.syllable_word(2, 4)
        elif roll < 0.75:
            name = f"{self.syllable_word(1, 2)} {self.pick(self.lex['asian_range_words'] + [self.syllable_word(1, 2)])}"
        else:
            name = self.word("germanic_stems") + self.word("germanic_range_ends")
        return Mountain(name, "range", None, True, True)

    def mountain(self, used_names: Set[str], want: str) -> Mountain:
        """A gazetteer mountain or (SYNTHETIC_RATE of the time, or when the pool is empty) a composed one, not yet used."""
        pools = {"single": self.singles, "group": self.groups, "volcano": self.by_type.get("volcano", []),
                 "hill": self.by_type.get("hill", []), "ridge": self.by_type.get("ridge", []),
                 "bare": self.bare, "local": self.local, "rx": self.headless, "qrange": []}
        composers = {"qrange": self.qualified_range, "local": self.local_mountain, "bare": self.bare_mountain, "rx": self.headless_range}
        pool = pools[want]
        for _ in range(20):
            if pool and self.rng.random() >= SYNTHETIC_RATE:
                m = self.pick(pool)
            elif want in composers:
                m = composers[want]()
            else:
                m = self.synthetic_mountain(want)
            if m.name not in used_names:
                used_names.add(m.name)
                return m
        return m

    def elevation(self, m: Mountain) -> int:
        lo, hi = {"hill": (120, 1100), "volcano": (600, 6500), "ridge": (500, 4000)}.get(m.type, (900, 8600))
        return self.rng.randint(lo, hi)

    def elev_phrase(self, metres: int) -> str:
        feet = round(metres * 3.28084)
        r = self.rng.random()
        if r < 0.45:
            return f"{metres:,} m ({feet:,} ft)"
        if r < 0.7:
            return f"{metres:,} metres ({feet:,} ft)"
        if r < 0.8:
            return f"{metres:,} m"
        return f"{feet:,} feet ({metres:,} m)"

    def type_word(self, m: Mountain) -> str:
        # Every type with several words draws one, whatever the type asked for (as it always did).
        return {mtype: self.pick(words) if len(words) > 1 else words[0] for mtype, words in self.type_words.items()}[m.type]

    def base_name(self, m: Mountain) -> str:
        """The name as used in things named after the mountain (Everest Group, Rocky Mountain News)."""
        name = m.name
        if name.startswith("Mount ") and self.rng.random() < 0.6:
            name = name[6:]
        if name.endswith(" Mountains"):
            name = name[: -len("Mountains")] + "Mountain"
        return name

    # -- others ----------------------------------------------------------------------------
    def other(self, kind: str) -> str:
        pool = self.others.get(kind, [])
        fake_share = {"person": 0.55, "city": 0.45, "organisation": 0.25}.get(kind, 0.0)
        if kind in ("person", "city", "organisation") and (not pool or self.rng.random() < fake_share):
            if kind == "person":
                return self.person()
            if kind == "city":
                return self.city()
            return self.company() if self.rng.random() < 0.5 else f"University of {self.city()}"
        if pool:
            return self.pick(pool)
        fallback = [n for n, k in self.lex["fallback_others"] if k == kind]
        return self.pick(fallback) if fallback else self.city()

    def article(self, name: str, kind: str) -> str:
        """"the " where running prose puts it before an other name of this kind, else ""."""
        words = name.split()
        if not words or words[0] in {"The", "the"}:
            return ""
        if kind == "country":
            takes_the = re.match(r"(United|Czech|Dominican|Central African|Democratic|Republic|Federated|Holy|Gambia)\b", name)
            return "the " if takes_the or name in self.the_countries else ""
        if kind in ("national_park", "person", "city", "lake", "island"):
            return ""
        if kind in ("river", "sea", "glacier", "pass", "event"):
            return "the " if not (kind == "river" and words[0] == "Rio") else ""
        if kind == "valley":
            return "the " if words[-1] == "Valley" else ""
        if words[-1] in self.the_heads or (len(words) > 2 and words[0] in {"University", "Museum", "Palace", "Church", "Bank"} and words[1] == "of"):
            return "the "
        return ""
