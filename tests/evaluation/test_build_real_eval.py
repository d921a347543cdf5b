"""`mountner real-eval` on a small Few-NERD-format file written here (invented sentences)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mountner.data.bio import TAGS, bio_spans
from mountner.evaluation.real_eval import BEGIN, INSIDE, read_fewnerd, select
from mountner.data.corpus_io import read_iob

from conftest import invoke

ROOT = Path(__file__).resolve().parents[2]

# (token, Few-NERD fine type); invented names only.
WITH_MOUNTAIN = [
    [("Climbers", "O"), ("reached", "O"), ("Mount", "location-mountain"), ("Varrowen", "location-mountain"),
     ("near", "O"), ("Melbrook", "location-GPE"), (".", "O")],
    [("The", "O"), ("Keldrith", "location-mountain"), ("Range", "location-mountain"), ("was", "O"),
     ("mapped", "O"), ("by", "O"), ("Ada", "person-scholar"), ("Quell", "person-scholar"), (".", "O")],
    [("Sorvane", "location-mountain"), ("rises", "O"), ("above", "O"), ("the", "O"),
     ("Tallow", "location-bodiesofwater"), ("River", "location-bodiesofwater"), (".", "O")],
]
# Structshot-style BIO conversion: two names side by side stay two names.
BIO_PREFIXED = [("Peaks", "O"), ("Orrin", "B-location_mountain"), ("Dunmere", "B-location_mountain"),
                ("Hill", "I-location_mountain"), ("stand", "O"), ("there", "O"), (".", "O")]


def other_location(i: int):
    return [("Roads", "O"), ("reach", "O"), (f"Brenholt{i}", "location-GPE"), ("today", "O"), (".", "O")]


def other(i: int):
    return [("The", "O"), ("album", "O"), (f"Nocturne{i}", "art-music"), ("sold", "O"), ("well", "O"), (".", "O")]


def write_fewnerd(path: Path, sentences) -> Path:
    path.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences) + "\n", encoding="utf8")
    return path


@pytest.fixture
def source(tmp_path) -> Path:
    sentences = [*WITH_MOUNTAIN, BIO_PREFIXED]
    sentences += [other_location(i) for i in range(30)] + [other(i) for i in range(30)]
    return write_fewnerd(tmp_path / "fewnerd.txt", sentences)


def build(source: Path, out: Path, *extra: str):
    args = [str(source), "--output-dir", str(out), "--n-other-location", "4", "--n-other", "3", "--n-nomountain", "10", *extra]
    return invoke("real-eval", *args)


def test_tags_are_the_projects_tags():
    assert (BEGIN, INSIDE) == TAGS[1:]


def test_mountain_types_become_bio_and_everything_else_o(source):
    sentences, blank_tokens = read_fewnerd(source)
    assert blank_tokens == 0
    tags = [s.mountain_tags() for s in sentences[:4]]
    assert tags[0] == ["O", "O", "B-MOUNTAIN", "I-MOUNTAIN", "O", "O", "O"]
    assert tags[1] == ["O", "B-MOUNTAIN", "I-MOUNTAIN", "O", "O", "O", "O", "O", "O"]
    assert tags[2] == ["B-MOUNTAIN", "O", "O", "O", "O", "O", "O"]
    assert tags[3] == ["O", "B-MOUNTAIN", "B-MOUNTAIN", "I-MOUNTAIN", "O", "O", "O"]
    assert sentences[4].has_other_location() and not sentences[-1].has_other_location()


def test_builds_both_files_as_described(source, tmp_path):
    result = build(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    mountain = read_iob(tmp_path / "out" / "fewnerd-mountain.iob")
    nomountain = read_iob(tmp_path / "out" / "fewnerd-nomountain.iob")
    texts = [s.text for s in mountain]
    # every mountain sentence, then 4 with another location type and 3 others
    assert len(mountain) == 4 + 4 + 3
    assert sum(bool(bio_spans(s.tags)) for s in mountain) == 4
    assert sum(len(bio_spans(s.tags)) for s in mountain) == 5
    assert sum("Brenholt" in t for t in texts) == 4 and sum("Nocturne" in t for t in texts) == 3
    assert "5 mountain entities" in result.output
    # the mountain-free file: 10 further sentences, no tag but O, none of them in the first file
    assert len(nomountain) == 10
    assert all(set(s.tags) == {"O"} for s in nomountain)
    assert not {s.text for s in nomountain} & set(texts)


def test_same_seed_same_files_other_seed_other_sample(source, tmp_path):
    for name, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        assert build(source, tmp_path / name, "--seed", seed).exit_code == 0
    files = {name: (tmp_path / name / "fewnerd-nomountain.iob").read_bytes() for name in "abc"}
    assert files["a"] == files["b"]
    assert files["a"] != files["c"]


def test_small_source_gives_what_it_has(source):
    sentences, _ = read_fewnerd(source)
    keep, nomountain = select(sentences, n_other_location=100, n_other=100, n_nomountain=100, seed=0)
    assert len(keep) == len(sentences) and nomountain == []


def test_whitespace_only_tokens_are_counted_and_left_out(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("Snow\tO\n\u00a0\tO\non\tO\nMount\tlocation-mountain\nHarl\tlocation-mountain\n", encoding="utf8")
    sentences, blank_tokens = read_fewnerd(path)
    assert blank_tokens == 1
    assert sentences[0].words == ["Snow", "on", "Mount", "Harl"]


@pytest.mark.parametrize("content, message", [
    ("Snow\tO\nfell\n", ":2: expected 'token<TAB>fine-type'"),
    ("Snow\tO\nfell\tB-MOUNTAIN\n", ":2: unknown Few-NERD type 'B-MOUNTAIN'"),
    ("Snow\tO\nfell\tO\n", "no sentence has the type 'location-mountain'"),
])
def test_bad_input_is_one_line_naming_the_file_and_old_output_stays(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(content, encoding="utf8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "fewnerd-mountain.iob").write_text("old\tO\n", encoding="utf8")
    result = build(bad, out)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and str(bad) in errors[0] and message in errors[0]
    assert (out / "fewnerd-mountain.iob").read_text(encoding="utf8") == "old\tO\n"
    assert sorted(p.name for p in out.iterdir()) == ["fewnerd-mountain.iob"]


def test_command_line_error_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Snow\tO\nfell\n", encoding="utf8")
    proc = subprocess.run([sys.executable, "-m", "mountner", "real-eval", str(bad), "--output-dir", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("Error: ")] == [
        f"Error: {bad}:2: expected 'token<TAB>fine-type', got 'fell'"]


def test_missing_source_says_how_to_fetch_it(tmp_path):
    result = build(tmp_path / "absent.txt", tmp_path / "out")
    assert result.exit_code == 1
    assert "project assets --extra" in result.output
