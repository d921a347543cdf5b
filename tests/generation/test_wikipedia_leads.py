"""Wikipedia lead sentences as real prose for the offline generator (invented text stands in for them)."""
import json
import subprocess
import sys
import zipfile

from mountner.generation.real_prose.common import generic_heads
from mountner.generation.real_prose.wikipedia_leads import SUMMARIES_IN_WHEEL, extract, read_summaries

SUMMARIES = {
    "Quxland": {"title": "Quxland", "extract": "Quxland is a small country on the coast of the Zorn Sea. "
                                               "It is small. Its capital, Barville, lies below the Baz Range."},
    "Foo equation": {"title": "Foo equation", "extract": "In algebra, the Foo equation is written as\n\nwhere the variable \u2060x\u2060 "
                                                         "represents an unknown number in this example."},
    "Copy": {"title": "Copy", "extract": "Quxland is a small country on the coast of the Zorn Sea."},
    "Empty": {"title": "Empty"},
}
# Twenty names ending in "Mountains" and twenty starting with "Mount": both are generic heads.
NAMES = [f"Name{i} Mountains" for i in range(20)] + [f"Mount Name{i}" for i in range(20)] + ["Baz Range"]


def test_extract_keeps_prose_sentences_once_and_leaves_formulas_and_short_ones_out():
    assert extract(SUMMARIES) == [
        "Quxland is a small country on the coast of the Zorn Sea.",
        "Its capital, Barville, lies below the Baz Range.",
    ]


def test_generic_heads_are_words_that_start_or_end_many_gazetteer_names():
    assert generic_heads(NAMES) == {"Mountains", "Mount"}
    assert generic_heads(NAMES, min_names=21) == set()


def test_cli_reads_the_wheel_and_names_a_file_that_is_not_one(tmp_path):
    wheel = tmp_path / "pkg-0.0.7-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(SUMMARIES_IN_WHEEL, json.dumps(SUMMARIES))
    assert read_summaries(wheel) == SUMMARIES
    out = tmp_path / "leads.txt"
    done = subprocess.run([sys.executable, "-m", "mountner", "wikipedia-leads", str(wheel), "--output", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf8").splitlines() == extract(SUMMARIES)
    bad = tmp_path / "other.whl"
    bad.write_text("not a zip")
    failed = subprocess.run([sys.executable, "-m", "mountner", "wikipedia-leads", str(bad), "--output", str(out)], capture_output=True, text=True)
    assert failed.returncode == 1 and str(bad) in failed.stderr and "Traceback" not in failed.stderr
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([SUMMARIES["Quxland"]]))
    failed = subprocess.run([sys.executable, "-m", "mountner", "wikipedia-leads", str(listed), "--output", str(out)], capture_output=True, text=True)
    assert failed.returncode == 1 and str(listed) in failed.stderr and "Traceback" not in failed.stderr
    assert out.read_text(encoding="utf8").splitlines() == extract(SUMMARIES)  # the earlier output is untouched


def test_the_committed_leads_are_there_for_the_generator():
    from mountner.generation.real_prose.wikipedia_leads import LEADS

    lines = LEADS.read_text(encoding="utf8").splitlines()
    assert len(lines) > 30000 and len(set(lines)) == len(lines)

