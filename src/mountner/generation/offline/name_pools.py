"""The generator's pools of real names: gazetteer rows (or assets/lexicon's fallback lists) as Mountain
records, with a type and whether prose puts "the" before them, and the other names by kind."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Union

import pandas as pd

from mountner.data import gazetteer
from mountner.data.sentence_record import clean_name

MOUNTAIN_TYPES = ("peak", "mountain", "volcano", "hill", "ridge", "massif", "range")
SINGLE_TYPES = ("peak", "mountain", "volcano", "hill")
GROUP_TYPES = ("ridge", "massif", "range")


@dataclass
class Mountain:
    name: str
    type: str
    country: Optional[str] = None
    synthetic: bool = False
    the: bool = False  # takes "the" in prose (ranges, massifs, ridges, "The Cobbler")
    qualifier: str = ""  # a national adjective written before the name and outside it: the Swiss [Alps]


def infer_type(name: str) -> str:
    last = name.split()[-1] if name.split() else name
    first = name.split()[0] if name.split() else name
    if last in {"Mountains", "Range", "Alps", "Hills", "Highlands", "Sierras"} or first in {"Sierra", "Cordillera", "Monts", "Montes"}:
        return "range"
    if last == "Ridge":
        return "ridge"
    if last == "Massif" or first == "Massif":
        return "massif"
    if last in {"Hill", "Knob", "Tor", "Fell", "Pike"}:
        return "hill"
    if last in {"Volcano"} or first in {"Volcán", "Mauna", "Gunung"}:
        return "volcano"
    return "mountain" if first in {"Mount", "Mont", "Monte", "Ben", "Beinn", "Jebel"} else "peak"


def _records(data: Union[pd.DataFrame, Sequence[str]], guess_kind: bool) -> List[dict]:
    if isinstance(data, pd.DataFrame):
        return data.to_dict("records")
    return [{"name": n, "kind": _guess_kind(n)} if guess_kind else {"name": n} for n in data]


def mountains_from(data: Union[pd.DataFrame, Sequence[str]], plural_heads: Set[str], skipped: Dict[str, int]) -> List[Mountain]:
    rows: List[Mountain] = []
    for r in _records(data, guess_kind=False):
        name = clean_name(r.get("name"))
        if name is None:
            skipped["mountain_names_unusable"] = skipped.get("mountain_names_unusable", 0) + 1
            continue
        the = False
        if re.match(r"(?i)the\s", name):
            name, the = name[4:].strip(), True
        mtype = r.get("type") if isinstance(r.get("type"), str) and r.get("type") in MOUNTAIN_TYPES else infer_type(name)
        country = r.get("country") if isinstance(r.get("country"), str) and r.get("country").strip() else None
        if country:  # "Kyrgyzstan;China;Kazakhstan": keep the first
            country = country.split(";")[0].strip() or None
        last = name.split()[-1]
        if mtype in SINGLE_TYPES and last in plural_heads:
            mtype = "range"  # "the Rajmahal Hills", "the Windgather Rocks": a group, used with "the"
        the = the or ((mtype in GROUP_TYPES or last in plural_heads) and "'s " not in name)
        rows.append(Mountain(name, mtype, country, False, the))
    return rows


def others_from(data: Union[pd.DataFrame, Sequence[str]], skipped: Dict[str, int]) -> Dict[str, List[str]]:
    pools: Dict[str, List[str]] = {}
    for r in _records(data, guess_kind=True):
        name = clean_name(r.get("name"))
        kind = r.get("kind") if isinstance(r.get("kind"), str) else _guess_kind(name or "")
        if name is None:
            skipped["other_names_unusable"] = skipped.get("other_names_unusable", 0) + 1
            continue
        pools.setdefault(kind, []).append(name)
    for kind in pools:
        pools[kind] = sorted(set(pools[kind]))
    return pools


def _guess_kind(name: str) -> str:
    last = name.split()[-1] if name.split() else ""
    first = name.split()[0] if name.split() else ""
    return {"River": "river", "Lake": "lake", "Sea": "sea", "Valley": "valley", "Glacier": "glacier", "Pass": "pass",
            "Island": "island"}.get(last, "lake" if first == "Lake" else "river" if first == "River" else "city")


def gazetteer_or_fallback(loader_name: str, fallback: List[tuple], columns: Sequence[str]) -> pd.DataFrame:
    """The gazetteer's table (gazetteer.<loader_name>), or the fallback rows where it is missing or empty."""
    try:
        df = getattr(gazetteer, loader_name)()
        if len(df):
            return df
    except Exception as exc:  # gazetteer not built yet: fall back to the small list in assets/lexicon
        print(f"generate_offline: gazetteer {loader_name} unavailable ({exc!r}); using assets/lexicon's fallback list",
              file=sys.stderr)
    return pd.DataFrame(fallback, columns=list(columns))
