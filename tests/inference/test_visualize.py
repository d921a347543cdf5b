"""The displaCy page and the visualize CLI's handling of bad input."""
import re
import subprocess
import sys

from spacy.lang.en import English
from spacy.tokens import Span

from mountner.inference.visualize import render_page



def visualize(*args):
    return subprocess.run([sys.executable, "-m", "mountner", "visualize", *map(str, args)], capture_output=True, text=True)


def assert_one_line_error(result, *needles):
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_a_missing_file_is_one_line(tmp_path):
    result = visualize("en_nope", "--file", tmp_path / "absent.txt", "--output", tmp_path / "page.html")
    assert_one_line_error(result, "absent.txt", "not found")
    assert not (tmp_path / "page.html").exists()


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Ben Nevis, Scotland, caf\xe9 au lait".encode("latin-1"))
    result = visualize("en_nope", "--file", path, "--output", tmp_path / "page.html")
    assert_one_line_error(result, "latin1.txt", "UTF-8")


def test_a_model_that_is_not_installed_is_one_line(tmp_path):
    result = visualize("en_nope", "--text", "Ben Nevis", "--output", tmp_path / "page.html")
    assert_one_line_error(result, "en_nope", "pip install en_mountner --find-links packages/dist")


def entity_colour(html: str, text: str) -> str:
    match = re.search(r'<mark class="entity" style="background: ([^;]+);[^>]*>\s*' + re.escape(text), html)
    assert match, f"{text} not highlighted"
    return match.group(1)


def entity_label(html: str, text: str) -> str:
    match = re.search(re.escape(text) + r'\s*<span[^>]*>([^<]*)</span>', html)
    assert match, f"{text} has no label"
    return match.group(1)


def test_page_has_a_title_a_legend_the_source_and_a_mark_for_low_confidence():
    doc = English().make_doc("Ben Nevis and Mont Blanc and Monte Rosa and K2 are far.")
    ents = [Span(doc, 0, 2, "MOUNTAIN"), Span(doc, 3, 5, "MOUNTAIN"), Span(doc, 6, 8, "MOUNTAIN"), Span(doc, 9, 10, "MOUNTAIN")]
    for ent, source, confidence in zip(ents, ["tagger", "tagger", "known name", "known name"], [0.97, 0.2, 0.93, 0.01]):
        ent._.mountner_source = source
        ent._.confidence = confidence
    doc.ents = ents
    html = render_page([doc])
    assert re.search(r"<title>[^<]*mountain", html, re.I) and re.search(r"<h1[^>]*>[^<]*mountain", html, re.I)
    assert 'class="legend"' in html
    labels = {text: entity_label(html, text) for text in ("Ben Nevis", "Mont Blanc", "Monte Rosa", "K2")}
    assert "0.97" in labels["Ben Nevis"] and "?" not in labels["Ben Nevis"]
    assert "?" in labels["Mont Blanc"] and "?" in labels["K2"] and "?" not in labels["Monte Rosa"]
    assert "known" in labels["Monte Rosa"] and "known" not in labels["Ben Nevis"]
    colours = {text: entity_colour(html, text) for text in labels}
    # tagger, tagger unsure, known name: three colours, each explained in the legend
    assert len({colours["Ben Nevis"], colours["Mont Blanc"], colours["Monte Rosa"]}) == 3
    legend = html[html.index('class="legend"'):]
    assert all(colour in legend for colour in colours.values())


def test_page_escapes_markup_and_control_characters_in_the_text():
    text = "<b> Ben Nevis </b> & \x07 more"
    doc = English().make_doc(text)
    doc.ents = [doc.char_span(text.index("Ben"), text.index("Ben") + 9, "MOUNTAIN")]
    html = render_page([doc])
    assert "<b>" not in html and "&lt;b&gt;" in html and "\x07" not in html


def test_a_model_saved_by_other_code_is_one_line(trained, tmp_path):
    import shutil

    _, _, model = trained
    copy = tmp_path / "old-model"
    shutil.copytree(model, copy)
    config = (copy / "config.cfg").read_text()
    (copy / "config.cfg").write_text(config.replace("[components.mountner]\n", "[components.mountner]\nsetting_from_another_version = 1\n", 1))
    result = visualize(copy, "--text", "Ben Nevis", "--output", tmp_path / "page.html")
    assert_one_line_error(result, "old-model", "setting_from_another_version", "project run train")
