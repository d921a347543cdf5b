"""The offline generator's data: templates (assets/templates) and word lists (assets/lexicon), checked on load.

The template grammar is written down once, in assets/templates/README.md. Every file is checked when
it is read; a problem stops the run with `file:line: what is wrong` (DataFileError).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

from mountner.paths import PROJECT_ROOT as ROOT

# {kind}, {kind2} (a second, different one), {kind:attribute}; see assets/templates/README.md.
SLOT_RE = re.compile(r"\{([a-z_]+[0-9]?)(?::([a-z_]+))?\}")
ALTERNATIVES_RE = re.compile(r"\[([^\[\]]*)\]")
EMPTY = "-"  # a word list line or table cell that stands for the empty string

Entry = Union[str, Tuple[Union[str, int], ...]]


class DataFileError(ValueError):
    """A template or word-list file that cannot be used; the message starts with `file:line:`."""


def _where(path: Path, line: int) -> str:
    try:
        shown = path.resolve().relative_to(ROOT)
    except ValueError:
        shown = path
    return f"{shown}:{line}"


def slot_kind(slot: str) -> str:
    """The kind of a slot name: "city2" -> "city"."""
    return slot.rstrip("0123456789")


def _content_lines(path: Path) -> List[Tuple[int, str]]:
    """(line number, text) of the lines that are neither blank nor # comments."""
    if not path.is_file():
        raise DataFileError(f"{_where(path, 0)}: file missing (the offline generator needs it; see assets/templates/README.md)")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append((number, line.strip()))
    if not out:
        raise DataFileError(f"{_where(path, 1)}: no entries")
    return out


# --- templates ----------------------------------------------------------------------------------
def check_template(template: str, kinds: Mapping[str, Set[Optional[str]]], where: str) -> List[str]:
    """The kinds of the slots of one template; DataFileError (prefixed with `where`) if it is malformed."""
    depth = 0
    for char in template:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            raise DataFileError(f"{where}: ']' without '[' in: {template}")
        if char == "|" and depth == 0:
            raise DataFileError(f"{where}: '|' outside [...] in: {template}")
    if depth:
        raise DataFileError(f"{where}: '[' without ']' in: {template}")
    found = []
    for braces in re.finditer(r"\{[^{}]*\}|[{}]", template):
        match = SLOT_RE.fullmatch(braces.group(0))
        if match is None:
            raise DataFileError(f"{where}: bad slot {braces.group(0)!r}: write {{kind}}, {{kind2}} or {{kind:attribute}} "
                                f"in lower case (assets/templates/README.md)")
        kind, attribute = slot_kind(match.group(1)), match.group(2)
        if kind not in kinds:
            raise DataFileError(f"{where}: unknown slot {{{kind}}}; known slots are listed in assets/templates/README.md")
        if attribute not in kinds[kind]:
            allowed = ", ".join(sorted(a for a in kinds[kind] if a)) or "none"
            raise DataFileError(f"{where}: {{{kind}}} has no attribute {attribute!r} (allowed: {allowed})")
        found.append(kind)
    return found


def load_templates(directory: Path, files: Sequence[str], kinds: Mapping[str, Set[Optional[str]]],
                   mountain_kinds: Set[str]) -> Dict[str, List[str]]:
    """Templates by file stem. Mountain and mixed files need a mountain slot in every template; the
    others (other, negative, openers, tails) may have none, since their sentences must stay all O."""
    templates: Dict[str, List[str]] = {}
    for stem in files:
        path = Path(directory) / f"{stem}.txt"
        rows = []
        for number, line in _content_lines(path):
            where = _where(path, number)
            has_mountain = bool(set(check_template(line, kinds, where)) & mountain_kinds)
            if stem.startswith(("mountain", "mixed")) and not has_mountain:
                raise DataFileError(f"{where}: a {stem} template needs a mountain slot: {line}")
            if not stem.startswith(("mountain", "mixed")) and has_mountain:
                raise DataFileError(f"{where}: {stem} templates must not name a mountain: {line}")
            if stem == "openers" and not line.endswith(","):
                raise DataFileError(f"{where}: an opener ends with ',' (the sentence follows it): {line}")
            if stem == "tails" and not line.startswith(","):
                raise DataFileError(f"{where}: a tail starts with ',' (it follows the sentence): {line}")
            rows.append(line)
        templates[stem] = rows
    return templates


# --- word lists and tables ----------------------------------------------------------------------
def load_word_list(path: Path) -> List[str]:
    """One entry a line; '-' is the empty string. Order and repeats matter (a repeated line is drawn more often)."""
    return ["" if text == EMPTY else text for _, text in _content_lines(path)]


def load_table(path: Path, columns: Sequence[str]) -> List[Tuple[Union[str, int], ...]]:
    """A tab-separated table whose first line names the columns; a `weight` column holds whole numbers >= 1."""
    lines = _content_lines(path)
    header = [c.strip() for c in lines[0][1].split("\t")]
    if header != list(columns):
        raise DataFileError(f"{_where(path, lines[0][0])}: columns {header}, expected {list(columns)} (tab-separated)")
    rows = []
    for number, text in lines[1:]:
        cells = [c.strip() for c in text.split("\t")]
        if len(cells) != len(columns) or not all(cells):
            raise DataFileError(f"{_where(path, number)}: expected {len(columns)} tab-separated cells "
                                f"({', '.join(columns)}; '-' for none), found {len(cells)}: {text!r}")
        row: List[Union[str, int]] = ["" if c == EMPTY else c for c in cells]
        if "weight" in columns:
            weight = row[columns.index("weight")]
            if not str(weight).isdigit() or int(weight) < 1:
                raise DataFileError(f"{_where(path, number)}: weight must be a whole number >= 1, found {weight!r}")
            row[columns.index("weight")] = int(weight)
        rows.append(tuple(row))
    return rows


def load_lexicon(directory: Path, tables: Mapping[str, Sequence[str]]) -> Dict[str, List[Entry]]:
    """Every word list (*.txt, words/*.txt as "words/<kind>") and the named tables (*.tsv) of a lexicon directory."""
    directory = Path(directory)
    lexicon: Dict[str, List[Entry]] = {}
    for path in sorted(directory.glob("*.txt")) + sorted(directory.glob("words/*.txt")):
        lexicon[path.relative_to(directory).with_suffix("").as_posix()] = load_word_list(path)
    for name, columns in tables.items():
        lexicon[name] = load_table(directory / f"{name}.tsv", columns)
    for path in directory.glob("*.tsv"):
        if path.stem not in tables:
            raise DataFileError(f"{_where(path, 1)}: table not read by the generator (known: {', '.join(sorted(tables))})")
    return lexicon


def error_at(path: Path, entry: str, message: str) -> DataFileError:
    """A DataFileError at the first line of path that holds entry (for checks across files)."""
    lines = Path(path).read_text(encoding="utf8").splitlines()
    number = next((i for i, line in enumerate(lines, start=1) if entry in line.split("\t") or line.strip() == entry), 0)
    return DataFileError(f"{_where(Path(path), number)}: {message}")


def require(lexicon: Mapping[str, List[Entry]], names: Sequence[str], directory: Path) -> None:
    """Stop with the file's name when a word list the generator reads is missing."""
    for name in names:
        if name not in lexicon:
            raise DataFileError(f"{_where(Path(directory) / f'{name}.txt', 0)}: file missing (the offline generator reads it)")
