"""The offline generator's data files (assets/templates, assets/lexicon): every template renders, a bad line is
named by file and line, every word list is read, and the report counts every redraw."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import pytest

from mountner.data import bio
from mountner.generation.offline import engine as go
from mountner.generation.offline import composers as offline_composers
from mountner.generation.offline import data as offline_data
from mountner.generation.offline import generator as offline_generator
from mountner.generation.offline import names as offline_names
from mountner.generation.offline import sentences as offline_sentences
from mountner.generation.offline import slots as offline_slots
from mountner import paths

from test_generate_offline import MOUNTAINS, OTHERS

ROOT = Path(__file__).resolve().parents[2]


def test_every_template_renders_and_its_tags_rebuild_the_mountain_names():
    gen = go.Generator(13, MOUNTAINS, OTHERS)
    for stem, templates in gen.templates.items():
        kind = "mountain" if stem.startswith("mountain") else "negative" if stem in ("openers", "tails") else stem
        for template in templates:
            for _ in range(30):  # a draw can put a mountain off token boundaries: another draw
                sentence, reason, mentions = offline_sentences.render(gen, kind, offline_sentences.expand_alternatives(template, gen.rng))
                if sentence is not None:
                    break
            assert sentence is not None, (stem, template, reason)
            tokens, tags = sentence["tokens"], sentence["tags"]
            assert "{" not in sentence["text"] and "[" not in sentence["text"], (stem, template, sentence["text"])
            assert set(tags) <= set(bio.TAGS) and bio.repair_bio(tags)[1] == 0, (template, tags)
            offsets = bio.word_char_offsets(sentence["text"], tokens)
            assert offsets is not None, sentence["text"]
            tagged = [sentence["text"][offsets[s][0]:offsets[e - 1][1]] for s, e in bio.bio_spans(tags)]
            assert tagged == mentions, (template, sentence["text"])  # every name put in is tagged, exactly
            assert bool(mentions) == (kind in ("mountain", "mixed")), (stem, template)


def copy_data(tmp_path: Path) -> Tuple[Path, Path]:
    templates, lexicon = tmp_path / "templates", tmp_path / "lexicon"
    shutil.copytree(paths.TEMPLATE_DIR, templates)
    shutil.copytree(paths.LEXICON_DIR, lexicon)
    return templates, lexicon


def append_line(path: Path, line: str) -> int:
    """Append a line; return its line number."""
    text = path.read_text(encoding="utf8")
    path.write_text(text + line + "\n", encoding="utf8")
    return text.count("\n") + 1


@pytest.mark.parametrize("file_name, line, message", [
    ("other.txt", "The town lies near {citty}.", "unknown slot {citty}"),
    ("other.txt", "The town lies [near|by {city}.", "'[' without ']'"),
    ("negative.txt", "The {year} eruption of {volcano} was small.", "negative templates must not name a mountain"),
    ("mountain_news.txt", "The road to {city} was closed.", "needs a mountain slot"),
    ("mountain_news.txt", "{mountain:height} is high.", "{mountain} has no attribute 'height'"),
    ("mixed.txt", "{Mountain} and {city}.", "bad slot '{Mountain}'"),
    ("openers.txt", "In {year}", "an opener ends with ','"),
])
def test_loader_names_the_file_and_line_of_a_bad_template(tmp_path, file_name, line, message):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(templates / file_name, line)
    with pytest.raises(offline_data.DataFileError) as error:
        go.load_data(templates, lexicon)
    assert str(error.value).startswith(f"{templates / file_name}:{number}: ")
    assert message in str(error.value)


def test_loader_names_the_file_and_line_of_a_bad_word_list(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(lexicon / "single_heads.tsv", "Pinnacle\tpeak")  # the weight is missing
    with pytest.raises(offline_data.DataFileError, match=rf"single_heads.tsv:{number}: expected 3 tab-separated cells"):
        go.load_data(templates, lexicon)
    (lexicon / "single_heads.tsv").unlink()
    with pytest.raises(offline_data.DataFileError, match=r"single_heads.tsv:0: file missing"):
        go.load_data(templates, lexicon)
    shutil.copy(paths.LEXICON_DIR / "single_heads.tsv", lexicon)
    (lexicon / "words" / "rock.txt").unlink()  # the words of {rock}: its templates now name an unknown slot
    with pytest.raises(offline_data.DataFileError, match=r"mountain_encyclopedia.txt:\d+: unknown slot \{rock\}"):
        go.load_data(templates, lexicon)


def test_cli_stops_on_a_bad_template_with_one_line_and_writes_nothing(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(templates / "tails.txt", ", according to {organisatoin}")
    out = tmp_path / "mountains.csv"
    run = subprocess.run([sys.executable, "-m", "mountner", "generate-offline", "--n-sentences", "5", "--output", str(out),
                          "--template-dir", str(templates), "--lexicon-dir", str(lexicon)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert run.stderr.strip() == f"generate_offline: {templates / 'tails.txt'}:{number}: unknown slot {{organisatoin}}; " \
                                 "known slots are listed in assets/templates/README.md"
    assert not out.exists() and not (tmp_path / go.REPORT_FILE_NAME).exists()


def test_every_word_list_is_read_and_every_list_the_code_reads_exists():
    modules = (go, offline_generator, offline_sentences, offline_slots, offline_names, offline_composers)
    code = "".join(Path(module.__file__).read_text(encoding="utf8") for module in modules)
    read = set(re.findall(r"""(?:word|lex|lexicon)[(\[]["']([a-z_/]+)["'][)\]]""", code))
    assert read - set(offline_names.TABLES) <= set(offline_generator.LEXICON_LISTS)  # the loader requires every list the code reads
    on_disk = {p.relative_to(paths.LEXICON_DIR).with_suffix("").as_posix() for p in paths.LEXICON_DIR.rglob("*.txt")}
    word_slots = {name for name in on_disk if name.startswith("words/")}
    assert on_disk - word_slots == set(offline_generator.LEXICON_LISTS) - {"words/month"}
    assert all(f'"{name}"' in code or f"'{name}'" in code for name in offline_generator.LEXICON_LISTS)  # no list lies unused
    used_slots = {offline_data.slot_kind(m.group(1)) for p in paths.TEMPLATE_DIR.glob("*.txt")
                  for m in offline_data.SLOT_RE.finditer(p.read_text(encoding="utf8"))}
    assert {name[len("words/"):] for name in word_slots} <= used_slots  # and no word slot either


def test_report_counts_every_redraw_and_every_lost_sentence(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    for path in list(templates.glob("mountain_*.txt")) + [templates / "mixed.txt"]:
        path.write_text("{mountain}x rises above the town.\n", encoding="utf8")  # "Mount Foox": never on token boundaries
    data = go.load_data(templates, lexicon)
    sentences, report = go.generate_with_report(40, seed=2, mountains=MOUNTAINS, others=OTHERS, data=data)
    asked = {kind: counts["requested"] for kind, counts in report["by_kind"].items()}
    assert report["lost_after_max_tries"] == {"mixed": asked["mixed"], "mountain": asked["mountain"]} and asked["mountain"] > 0
    assert report["redrawn"]["mountain_not_on_token_boundaries"] == go.MAX_TRIES * (asked["mountain"] + asked["mixed"])
    assert report["written"] == len(sentences) == asked["other"] + asked["negative"]
    assert all(s["kind"] in ("other", "negative") for s in sentences)
    path = tmp_path / "out" / go.REPORT_FILE_NAME
    go.write_report(report, path)
    assert json.loads(path.read_text(encoding="utf8")) == report and [p.name for p in path.parent.iterdir()] == [path.name]


def test_loader_checks_word_lists_against_each_other(tmp_path):
    templates, lexicon = copy_data(tmp_path)
    number = append_line(lexicon / "volcano_prefixes.txt", "Volcanu")  # no names follow this prefix
    with pytest.raises(offline_data.DataFileError, match=rf"volcano_prefixes.txt:{number}: 'Volcanu' is not a prefix"):
        go.load_data(templates, lexicon)
