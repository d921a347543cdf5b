"""The offline generator's state: its data (templates and word lists, every file checked on load), its
name maker (names.NameMaker: one random.Random for every draw) and spaCy's English tokenizer."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import spacy

from mountner import paths
from mountner.generation.offline import data as offline_data
from mountner.generation.offline.names import TABLES, NameMaker
from mountner.generation.offline.slots import MOUNTAIN_KINDS, slot_attributes

# Styles of the mountain sentences (assets/templates/mountain_<style>.txt); the other kinds are encyclopedic.
STYLE_WEIGHTS = {"encyclopedia": 0.70, "news": 0.10, "travel": 0.10, "climbing": 0.10}
TEMPLATE_FILES = [f"mountain_{style}" for style in STYLE_WEIGHTS] + ["other", "negative", "mixed", "openers", "tails"]


@dataclass
class GeneratorData:
    """The checked templates (by file stem) and the lexicon (word lists and tables by name)."""
    templates: Dict[str, List[str]]
    lexicon: Dict[str, list]


class Generator(NameMaker):
    """A NameMaker with the templates and spaCy's English tokenizer: everything one sentence draw needs."""

    def __init__(self, seed: int, mountains=None, others=None, data: Optional[GeneratorData] = None):
        self.data = data or load_data()
        super().__init__(seed, mountains, others, self.data.lexicon)
        self.templates = self.data.templates
        self.nlp = spacy.blank("en")


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


# The word lists of assets/lexicon that the code reads (tests/generation/test_generate_offline.py checks the list is complete).
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
