"""Checks on the mountain gazetteer and the negative-name list (assets/gazetteer/)."""
from __future__ import annotations

import pytest

from mountner.data.gazetteer import (
    GAZETTEER_DIR,
    MOUNTAIN_TYPES,
    OTHER_KINDS,
    REGIONS,
    load_mountains,
    load_other_names,
)


@pytest.fixture(scope="module")
def mountains():
    return load_mountains()


@pytest.fixture(scope="module")
def others():
    return load_other_names()


def test_enough_mountains(mountains):
    assert len(mountains) >= 2000


def test_every_continent_present(mountains):
    assert set(REGIONS) <= set(mountains["region"])


def test_every_type_present(mountains):
    assert set(MOUNTAIN_TYPES) <= set(mountains["type"])


def test_type_shares(mountains):
    share = mountains["type"].value_counts(normalize=True)
    assert share["range"] >= 0.10
    assert share["hill"] + share["ridge"] >= 0.10
    assert share["volcano"] >= 0.08


def test_no_case_insensitive_duplicates(mountains):
    folded = mountains["name"].str.casefold()
    assert not folded.duplicated().any(), mountains["name"][folded.duplicated()].tolist()


def test_no_leading_article(mountains):
    assert not mountains["name"].str.match(r"(?i)the ").any()


def test_sources(mountains):
    assert set(mountains["source"]) == {"wordnet", "compiled"}


@pytest.mark.parametrize(
    "name",
    [
        "Pico de Orizaba", "Mont Blanc du Tacul", "Cerro Torre", "Monte Rosa", "Piz Bernina",
        "Nevado del Ruiz", "Volcán Osorno", "Gunung Rinjani", "Jebel Toubkal", "Djebel Chélia",
        "Kuh-e Alam", "Tai Shan", "Fujisan", "Kiso-Komagatake", "Zugspitze", "Dufourspitze",
        "Store Skagastølstind", "Galdhøpiggen", "Ben Nevis", "Beinn Eighe", "Sgùrr Alasdair",
        "K2", "Denali", "Kilimanjaro", "Aconcagua", "Etna", "Mount Everest", "Mauna Loa",
    ],
)
def test_known_and_non_english_forms_present(mountains, name):
    assert name in set(mountains["name"])


def test_hyphen_and_apostrophe_names(mountains):
    names = mountains["name"]
    assert names.str.contains("-").sum() >= 20
    assert names.str.contains("'").sum() >= 20
    assert "Mont Saint-Hilaire" in set(names)


def test_head_words_present(mountains):
    names = set(mountains["name"])
    for prefix in ("Mount ", "Mt. ", "Ben ", "Beinn ", "Sgurr ", "Cerro ", "Nevado ", "Monte ",
                   "Mont ", "Pic ", "Pizzo ", "Piz ", "Jebel ", "Volcán "):
        assert any(n.startswith(prefix) for n in names), prefix
    for suffix in (" Mountain", " Peak", " Hill", " Hills", " Ridge", " Range", " Mountains",
                   " Massif", " Alps", " Tor", " Knob", " Butte", " Pike", " Fell"):
        assert any(n.endswith(suffix) for n in names), suffix


def test_other_names_vocabulary(others):
    assert len(others) >= 1500
    assert set(others["kind"]) == set(OTHER_KINDS)
    assert (others["kind"] == "named_after_mountain").sum() >= 150
    assert not others["name"].str.casefold().duplicated().any()


def test_no_overlap_between_files(mountains, others):
    overlap = set(mountains["name"].str.casefold()) & set(others["name"].str.casefold())
    assert not overlap, sorted(overlap)[:20]


def test_malformed_row_names_file_and_line(tmp_path):
    bad = tmp_path / "bad_mountains.tsv"
    bad.write_text(
        "name\ttype\tregion\tcountry\tsource\n"
        "Ben Nevis\tmountain\tEurope\tUnited Kingdom\tcompiled\n"
        "Nowhere Peak\tplateau\tEurope\tUnited Kingdom\tcompiled\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as info:
        load_mountains(bad)
    assert "bad_mountains.tsv" in str(info.value)
    assert "line 3" in str(info.value)


def test_wrong_field_count_names_line(tmp_path):
    bad = tmp_path / "bad_other.tsv"
    bad.write_text("name\tkind\tsource\nLondon\tcity\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad_other\.tsv, line 2"):
        load_other_names(bad)


def test_bad_header(tmp_path):
    bad = tmp_path / "bad_header.tsv"
    bad.write_text("name\tkind\nLondon\tcity\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad_header\.tsv, line 1"):
        load_other_names(bad)


def test_nan_like_names_survive(tmp_path):
    path = tmp_path / "nan.tsv"
    path.write_text("name\tkind\tsource\nNan\tcity\tcompiled\nNA\tcountry\tcompiled\n",
                    encoding="utf-8")
    frame = load_other_names(path)
    assert frame["name"].tolist() == ["Nan", "NA"]


def test_gazetteer_dir_points_at_corpus():
    assert GAZETTEER_DIR.name == "gazetteer"
    assert (GAZETTEER_DIR / "mountains.tsv").is_file()
