"""Load the mountain gazetteer and the negative-name list (assets/gazetteer/*.tsv)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from mountner.paths import GAZETTEER_DIR


MOUNTAIN_COLUMNS = ["name", "type", "region", "country", "source"]
OTHER_COLUMNS = ["name", "kind", "source"]

MOUNTAIN_TYPES = ("peak", "mountain", "volcano", "hill", "ridge", "massif", "range")
REGIONS = ("Africa", "Antarctica", "Asia", "Europe", "North America", "Oceania", "South America")
SOURCES = ("wordnet", "compiled")
OTHER_KINDS = (
    "city", "country", "region", "river", "lake", "island", "sea", "valley", "glacier", "pass",
    "national_park", "organisation", "building", "person", "named_after_mountain", "product",
    "event",
)


def _read(path: Path, columns: list, vocab: dict) -> pd.DataFrame:
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise ValueError(f"{path}: empty file, expected header {columns}")
    header = lines[0].split("\t")
    if header != columns:
        raise ValueError(f"{path}, line 1: bad header {header}, expected {columns}")
    records = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(columns):
            raise ValueError(f"{path}, line {number}: expected {len(columns)} tab-separated "
                             f"fields, got {len(fields)}: {line!r}")
        row = dict(zip(columns, fields))
        if not row["name"].strip() or row["name"] != row["name"].strip():
            raise ValueError(f"{path}, line {number}: empty name or surrounding spaces: {line!r}")
        for column, allowed in vocab.items():
            if row[column] not in allowed:
                raise ValueError(f"{path}, line {number}: {column} {row[column]!r} is not one of "
                                 f"{', '.join(allowed)}")
        records.append(row)
    return pd.DataFrame.from_records(records, columns=columns).astype(str)


def load_mountains(path: Path = GAZETTEER_DIR / "mountains.tsv") -> pd.DataFrame:
    """Read a mountains TSV (name, type, region, country, source); ValueError on a bad row."""
    return _read(path, MOUNTAIN_COLUMNS,
                 {"type": MOUNTAIN_TYPES, "region": REGIONS, "source": SOURCES})


def load_other_names(path: Path = GAZETTEER_DIR / "other_names.tsv") -> pd.DataFrame:
    """Read the negative-name TSV (name, kind, source); ValueError on a bad row."""
    return _read(path, OTHER_COLUMNS, {"kind": OTHER_KINDS, "source": SOURCES})
