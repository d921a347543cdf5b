"""Build assets/gazetteer/mountains.tsv from WordNet 3.0 and a hand-compiled list.

WordNet part: noun synsets that are instances (``@i``) of the elevation classes
mountain, volcano, mountain range, hill, ridge, massif and peak, or of one of
their hyponym classes (``~``), minus classes that are not elevations (reefs,
bars, dunes, sandbanks, shoals, keys, berms, anthills, molehills, seamounts...).
Lemmas have underscores turned into spaces; lemmas that are not used as the
mountain's name in running text (bare surnames, city names, misspellings) are
dropped.  The compiled part is assets/gazetteer/compiled_mountains.tsv.

Runs offline.  Needs Debian's wordnet-base (/usr/share/wordnet/data.noun).

    python -m mountner build-gazetteer            # rebuild mountains.tsv
    python -m mountner build-gazetteer --stats    # print counts of the committed file
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import typer

from mountner.data.gazetteer import (
    GAZETTEER_DIR,
    MOUNTAIN_COLUMNS,
    load_mountains,
    load_other_names,
)

WORDNET_DIR = Path("/usr/share/wordnet")

# Root classes and the gazetteer type their instances get.
ROOTS: Dict[str, str] = {
    "09359803": "mountain",  # mountain, mount
    "09472597": "volcano",  # volcano (a mountain formed by volcanic material)
    "09470550": "volcano",  # vent, volcano
    "09403734": "range",  # range, mountain range, chain
    "09303008": "hill",  # hill
    "09409512": "ridge",  # ridge (a long narrow natural elevation)
    "09409752": "ridge",  # ridge, ridgeline
    "09348460": "massif",  # massif
    "08617963": "peak",  # peak, crown, crest, top, tip, summit
}

# Hyponym classes that are not elevations: neither they nor their hyponyms are followed.
EXCLUDED_CLASSES: Dict[str, str] = {
    "09427752": "seamount",
    "09300559": "guyot",
    "09213434": "bank",
    "09224725": "bluff",
    "09421799": "sandbank",
    "09433312": "shoal",
    "09214060": "bar",
    "09421951": "sandbar",
    "09270735": "dune",
    "09429630": "seif dune",
    "09337253": "ledge, shelf",
    "09219233": "berm",
    "09406793": "reef",
    "09256479": "coral reef",
    "09210862": "atoll",
    "09214916": "barrier reef",
    "09325395": "key, cay",
    "09411295": "ripple mark",
    "09199101": "anthill",
    "09357346": "molehill",
}

# Some instances are filed under a class that is not their best type.
TYPE_OVERRIDES: Dict[str, str] = {
    "09139993": "range",  # Black Hills (filed under mountain)
    "09348643": "massif",  # Massif Central
    "08797254": "hill",  # Seven Hills of Rome
    "08796707": "hill",  # Cotswold Hills
    "08796844": "hill",  # Cheviot Hills
    "08797013": "range",  # Pennines
    "08906169": "hill",  # Nilgiri Hills
    "09431569": "volcano",  # Mount Shasta
    "09203032": "volcano",  # Mount Ararat
}

# Lemmas that are not the mountain's name in running text: bare surnames, cities,
# countries, regions, generic words and WordNet misspellings.
DROP_LEMMAS = {
    "adams", "hubbard", "logan", "mckinley", "sherman", "wilson", "whitney", "rushmore",
    "shasta", "olympus", "sinai", "cameroon", "pasto", "colima", "fuego", "cachi",
    "nacimiento", "el libertador", "north peak", "zion", "sion", "calvary", "capitol hill",
    "the hill", "hill", "palatine", "flodden", "ozark plateau", "cumberland plateau", "sierra",
    "eastern highlands", "balkans", "cotswolds", "ranier", "mount ranier", "mt. ranier",
    "godwin austen", "anapurna", "kunlan shan",
}

# Holonym (part-of / instance-of) names -> (country, continent).
PLACES: Dict[str, Tuple[str, str]] = {
    "Alaska": ("United States", "North America"),
    "Washington": ("United States", "North America"),
    "California": ("United States", "North America"),
    "Colorado": ("United States", "North America"),
    "New_Mexico": ("United States", "North America"),
    "New_York": ("United States", "North America"),
    "South_Dakota": ("United States", "North America"),
    "Wyoming": ("United States", "North America"),
    "Massachusetts": ("United States", "North America"),
    "Minnesota": ("United States", "North America"),
    "Pennsylvania": ("United States", "North America"),
    "Arkansas": ("United States", "North America"),
    "Vermont": ("United States", "North America"),
    "Texas": ("United States", "North America"),
    "Hawaii": ("United States", "North America"),
    "Charlestown": ("United States", "North America"),
    "Appalachians": ("United States", "North America"),
    "Rockies": ("United States", "North America"),
    "San_Juan_Mountains": ("United States", "North America"),
    "Teton_Range": ("United States", "North America"),
    "Sierra_Nevada": ("United States", "North America"),
    "Cascades": ("United States", "North America"),
    "Black_Hills": ("United States", "North America"),
    "Northwest": ("United States", "North America"),
    "East": ("United States", "North America"),
    "Yukon": ("Canada", "North America"),
    "British_Columbia": ("Canada", "North America"),
    "North_America": ("", "North America"),
    "Mexico": ("Mexico", "North America"),
    "Guatemala": ("Guatemala", "North America"),
    "Cuba": ("Cuba", "North America"),
    "Argentina": ("Argentina", "South America"),
    "Chile": ("Chile", "South America"),
    "Bolivia": ("Bolivia", "South America"),
    "Peru": ("Peru", "South America"),
    "Ecuador": ("Ecuador", "South America"),
    "Colombia": ("Colombia", "South America"),
    "Andes": ("", "South America"),
    "Switzerland": ("Switzerland", "Europe"),
    "France": ("France", "Europe"),
    "Italy": ("Italy", "Europe"),
    "Austria": ("Austria", "Europe"),
    "Spain": ("Spain", "Europe"),
    "Greece": ("Greece", "Europe"),
    "Athens": ("Greece", "Europe"),
    "Rome": ("Italy", "Europe"),
    "Seven_Hills_of_Rome": ("Italy", "Europe"),
    "Sicily": ("Italy", "Europe"),
    "England": ("United Kingdom", "Europe"),
    "Northumberland": ("United Kingdom", "Europe"),
    "Poland": ("Poland", "Europe"),
    "Romania": ("Romania", "Europe"),
    "Carpathians": ("", "Europe"),
    "Balkan_Peninsula": ("Bulgaria", "Europe"),
    "Caucasia": ("Russia;Georgia;Azerbaijan;Armenia", "Europe"),
    "Russia": ("Russia", "Europe"),
    "Turkey": ("Turkey", "Asia"),
    "Nepal": ("Nepal", "Asia"),
    "Tibet": ("China", "Asia"),
    "India": ("India", "Asia"),
    "Kashmir": ("Pakistan", "Asia"),
    "Karakoram": ("Pakistan", "Asia"),
    "Pakistan": ("Pakistan", "Asia"),
    "Sri_Lanka": ("Sri Lanka", "Asia"),
    "Tajikistan": ("Tajikistan", "Asia"),
    "Kunlun": ("China", "Asia"),
    "China": ("China", "Asia"),
    "Tien_Shan": ("Kyrgyzstan;China", "Asia"),
    "Siberia": ("Russia", "Asia"),
    "Kamchatka_Peninsula": ("Russia", "Asia"),
    "Asia": ("", "Asia"),
    "Japan": ("Japan", "Asia"),
    "Honshu": ("Japan", "Asia"),
    "Indonesia": ("Indonesia", "Asia"),
    "Iran": ("Iran", "Asia"),
    "Israel": ("Israel", "Asia"),
    "Jerusalem": ("Israel", "Asia"),
    "Tanzania": ("Tanzania", "Africa"),
    "Cameroon": ("Cameroon", "Africa"),
    "Sinai": ("Egypt", "Africa"),
    "Congo": ("Democratic Republic of the Congo", "Africa"),
    "Morocco": ("Morocco", "Africa"),
    "Queensland": ("Australia", "Oceania"),
    "Australia": ("Australia", "Oceania"),
    "Antarctica": ("", "Antarctica"),
}

# Synsets whose holonyms do not resolve (or resolve wrongly): offset -> (country, continent).
META_OVERRIDES: Dict[str, Tuple[str, str]] = {
    "08982289": ("Philippines", "Asia"),  # Pinatubo
    "09408795": ("Bulgaria;Greece", "Europe"),  # Rhodope Mountains
    "09287289": ("Pakistan;China", "Asia"),  # Gasherbrum
    "09322701": ("Pakistan;China", "Asia"),  # K2
    "09403581": ("Pakistan", "Asia"),  # Rakaposhi
    "09396275": ("Kyrgyzstan;China", "Asia"),  # Pobeda Peak (WordNet says India)
    "09458587": ("Kyrgyzstan;China;Kazakhstan", "Asia"),  # Tien Shan
    "09435512": ("Egypt", "Africa"),  # Mount Sinai
    "09174718": ("Italy", "Europe"),  # Etna
    "09238674": ("Russia;Georgia;Azerbaijan;Armenia", "Europe"),  # Caucasus
    "09467185": ("Russia", "Europe"),  # Urals
    "09425159": ("Russia;Mongolia", "Asia"),  # Sayan Mountains
    "09194710": ("Russia;Mongolia;China;Kazakhstan", "Asia"),  # Altai
    "09248477": ("Canada;United States", "North America"),  # Coast Range
    "09416570": ("United States;Canada", "North America"),  # Rockies
    "09237076": ("United States;Canada", "North America"),  # Cascades
    "09201301": ("United States;Canada", "North America"),  # Appalachians
    "09445088": ("United States;Canada", "North America"),  # St. Elias Range
    "09342729": ("Canada", "North America"),  # Mount Logan
    "09188094": ("", "Antarctica"),  # Admiralty Range
    "09277010": ("Nepal;China", "Asia"),
    "09241047": ("China", "Asia"),  # Changtzu (Changtse) is in Tibet
    "09303647": ("Nepal;India;China;Bhutan;Pakistan", "Asia"),
    "09196611": ("Argentina;Chile;Peru;Bolivia;Ecuador;Colombia;Venezuela", "South America"),
    "09194357": ("France;Switzerland;Italy;Austria;Germany;Slovenia", "Europe"),
    "09210346": ("Morocco;Algeria;Tunisia", "Africa"),
    "09236423": ("Romania;Slovakia;Poland;Ukraine", "Europe"),
    "09401474": ("France;Spain;Andorra", "Europe"),
}


def parse_data_noun(path: Path) -> Dict[str, Tuple[List[str], List[Tuple[str, str, str]]]]:
    """offset -> (lemmas, [(pointer symbol, target offset, target pos)])."""
    synsets: Dict[str, Tuple[List[str], List[Tuple[str, str, str]]]] = {}
    with path.open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):  # licence header
                continue
            fields = line.split(" | ", 1)[0].split()
            offset = fields[0]
            n_words = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i] for i in range(n_words)]
            i = 4 + 2 * n_words
            n_ptrs = int(fields[i])
            i += 1
            ptrs = []
            for _ in range(n_ptrs):
                ptrs.append((fields[i], fields[i + 1], fields[i + 2]))
                i += 4
            synsets[offset] = (lemmas, ptrs)
    return synsets


def mountain_classes(synsets: Dict[str, Tuple[List[str], List[Tuple[str, str, str]]]]) -> Dict[str, str]:
    """Class offset -> mountain type, walking hyponym (~) links from every root. A root keeps its
    own type even when it is also a hyponym of another root (volcano is a hyponym of mountain)."""
    classes: Dict[str, str] = dict(ROOTS)
    for root, typ in ROOTS.items():
        stack = [root]
        while stack:
            off = stack.pop()
            if off != root and (off in classes or off in EXCLUDED_CLASSES):
                continue
            classes[off] = typ
            for sym, target, pos in synsets[off][1]:
                if sym == "~" and pos == "n":
                    stack.append(target)
    return classes


def clean_lemma(lemma: str) -> str:
    # strip adjective markers like "(a)" and turn underscores into spaces
    if "(" in lemma:
        lemma = lemma.split("(", 1)[0]
    name = lemma.replace("_", " ").strip()
    if name.lower().startswith("the "):
        name = name[4:]
    return name


def wordnet_rows(wordnet_dir: Path) -> List[Dict[str, str]]:
    data_noun = wordnet_dir / "data.noun"
    if not data_noun.is_file():
        raise FileNotFoundError(
            f"WordNet not found: {data_noun} is missing. Install Debian's wordnet-base "
            "(apt-get install wordnet-base) or pass --wordnet-dir; the committed "
            "assets/gazetteer/mountains.tsv is the artifact, this script is how it was made."
        )
    synsets = parse_data_noun(data_noun)
    classes = mountain_classes(synsets)
    offset_to_name = {off: lemmas[0] for off, (lemmas, _) in synsets.items()}
    rows: List[Dict[str, str]] = []
    seen_synsets = set()
    for off, (lemmas, ptrs) in synsets.items():
        hypernyms = [t for s, t, p in ptrs if s == "@i" and p == "n" and t in classes]
        if not hypernyms or off in seen_synsets:
            continue
        seen_synsets.add(off)
        names = []
        for lemma in lemmas:
            name = clean_lemma(lemma)
            if not name or name.lower() in DROP_LEMMAS:
                continue
            if not (name[0].isupper() or name[0].isdigit()):
                continue
            names.append(name)
        if not names:
            continue
        typ = TYPE_OVERRIDES.get(off, classes[hypernyms[0]])
        if off in META_OVERRIDES:
            country, region = META_OVERRIDES[off]
        else:
            countries: List[str] = []
            region = ""
            for s, t, p in ptrs:
                if s not in ("#p", "@i") or p != "n":
                    continue
                place = PLACES.get(offset_to_name[t])
                if place:
                    if place[0] and place[0] not in countries:
                        countries.append(place[0])
                    region = region or place[1]
            country = ";".join(countries)
        if not region:
            raise ValueError(f"no region for WordNet synset {off} {lemmas}; add it to META_OVERRIDES")
        for name in names:
            rows.append({"name": name, "type": typ, "region": region, "country": country,
                         "source": "wordnet"})
    return rows


def read_compiled(path: Path) -> List[Dict[str, str]]:
    frame = load_mountains(path)
    rows = frame.to_dict("records")
    bad = [r["name"] for r in rows if r["source"] != "compiled"]
    if bad:
        raise ValueError(f"{path}: source must be 'compiled' (rows: {bad[:5]})")
    return rows


def merge(wordnet: List[Dict[str, str]], compiled: List[Dict[str, str]]) -> List[Dict[str, str]]:
    """De-duplicate case-insensitively (WordNet first, then the compiled list) and sort."""
    merged: Dict[str, Dict[str, str]] = {}
    for row in wordnet + compiled:
        key = row["name"].casefold()
        if key not in merged:
            merged[key] = row
    return sorted(merged.values(), key=lambda r: (r["name"].casefold(), r["name"]))


def write_tsv(rows: List[Dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MOUNTAIN_COLUMNS, delimiter="\t",
                                lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in MOUNTAIN_COLUMNS})


def print_stats(mountains: Path, other: Path) -> None:
    frame = load_mountains(mountains)
    typer.echo(f"{mountains.name}: {len(frame)} names")
    for column in ("type", "region", "source"):
        typer.echo(f"  by {column}:")
        for value, count in Counter(frame[column]).most_common():
            typer.echo(f"    {value:<15} {count:>5}  ({100 * count / len(frame):.1f}%)")
    if other.is_file():
        others = load_other_names(other)
        typer.echo(f"{other.name}: {len(others)} names")
        typer.echo("  by kind:")
        for value, count in Counter(others["kind"]).most_common():
            typer.echo(f"    {value:<22} {count:>5}")




def main(
    wordnet_dir: Path = typer.Option(WORDNET_DIR, help="Directory holding WordNet's data.noun."),
    compiled: Path = typer.Option(GAZETTEER_DIR / "compiled_mountains.tsv",
                                  help="Hand-compiled mountain names."),
    output: Path = typer.Option(GAZETTEER_DIR / "mountains.tsv", help="Merged output TSV."),
    other_names: Path = typer.Option(GAZETTEER_DIR / "other_names.tsv",
                                     help="Negative names (only used by --stats)."),
    stats: bool = typer.Option(False, "--stats", help="Only print counts of the existing files."),
) -> None:
    """Extract WordNet mountain instances, merge them with the compiled list, write mountains.tsv."""
    if stats:
        print_stats(output, other_names)
        return
    try:
        wn = wordnet_rows(wordnet_dir)
    except FileNotFoundError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=1)
    comp = read_compiled(compiled)
    rows = merge(wn, comp)
    write_tsv(rows, output)
    n_wn = sum(1 for r in rows if r["source"] == "wordnet")
    typer.echo(f"wrote {output}: {len(rows)} names ({n_wn} from WordNet, {len(rows) - n_wn} compiled)")

