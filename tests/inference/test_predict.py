import json
import re
import subprocess
import sys

from mountner.inference.predict import CHUNK_CHARS, chunks



def predict(model, *args, stdin=None):
    result = subprocess.run(
        [sys.executable, "-m", "mountner", "predict", "--model", str(model), *map(str, args)],
        input=stdin, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_chunks_cut_after_sentences_and_keep_every_character():
    text = "Ben Nevis is in Scotland. " * 1000 + "x" * 12000
    offsets, pieces = zip(*chunks(text))
    assert "".join(pieces) == text
    assert all(text[o : o + len(p)] == p for o, p in zip(offsets, pieces))
    assert all(len(p) <= CHUNK_CHARS for p in pieces)
    assert all(p.endswith(". ") for p in pieces[:-4])


def test_json_gives_the_seed_per_word_list(trained):
    _, _, model = trained
    rows = json.loads(predict(model, "--format", "json", "We climbed Mount Kenya in May.").stdout)
    assert [r["word"] for r in rows] == ["We", "climbed", "Mount", "Kenya", "in", "May", "."]
    assert [r["entity_group"] for r in rows][2:4] == ["MOUNTAIN", "MOUNTAIN"]
    assert all(r["entity_group"] in ("MOUNTAIN", "O") and 0.0 <= r["score"] <= 1.0 for r in rows)


def test_empty_text_gives_an_empty_result(trained):
    _, _, model = trained
    assert json.loads(predict(model, "").stdout) == []
    assert json.loads(predict(model, "-", stdin="").stdout) == []


def test_files_stdin_and_table(trained, tmp_path):
    _, _, model = trained
    path = tmp_path / "text.txt"
    path.write_text("Ben Nevis is in Scotland.", encoding="utf8")
    from_file = json.loads(predict(model, "--file", path).stdout)
    from_stdin = json.loads(predict(model, stdin="Ben Nevis is in Scotland.").stdout)
    assert from_file == from_stdin and from_file[0]["word"] == "Ben"
    table = predict(model, "--format", "table", "Ben Nevis is in Scotland.").stdout.splitlines()
    assert table[0].split() == ["word", "entity_group", "entity", "score"] and table[1].split()[0] == "Ben"


def test_missing_file_is_a_clear_error(trained, tmp_path):
    _, _, model = trained
    result = subprocess.run([sys.executable, "-m", "mountner", "predict", "--model", str(model), "--file", str(tmp_path / "nope.txt")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "nope.txt" in result.stderr and "Traceback" not in result.stderr


def test_html_escapes_markup_and_control_characters(trained, tmp_path):
    _, _, model = trained
    page = tmp_path / "page.html"
    predict(model, "--html", page, "Ben Nevis <script>alert(1)</script> \x07 is in Scotland.")
    html = page.read_text(encoding="utf8")
    assert "<script" not in html and "</script" not in html and html.count("&lt;") == 2
    assert "\x07" not in html and "\u2407" in html


def test_a_million_characters_are_tagged_in_pieces(trained, tmp_path):
    _, _, model = trained
    path = tmp_path / "long.txt"
    sentence = "Snow covered Mont Blanc and Monte Rosa. "
    path.write_text(sentence * (1_000_000 // len(sentence) + 1), encoding="utf8")
    result = predict(model, "--format", "table", "--file", path)
    assert len(result.stdout.splitlines()) == 1 + 8 * (1_000_000 // len(sentence) + 1)


def run_predict(*args):
    return subprocess.run([sys.executable, "-m", "mountner", "predict", *map(str, args)], capture_output=True, text=True)


def test_a_model_that_is_not_installed_is_one_line_that_says_how_to_get_it():
    result = run_predict("--model", "en_nope", "Ben Nevis is in Scotland.")
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "en_nope" in lines[0]
    assert "pip install en_mountner --find-links packages/dist" in lines[0] and "python -m spacy project run all" in lines[0]


def test_batch_size_zero_is_refused_before_anything_is_printed(trained):
    _, _, model = trained
    result = run_predict("--model", model, "--batch-size", "0", "Ben Nevis is in Scotland.")
    assert result.returncode != 0 and result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--batch-size" in lines[0]


def test_rows_carry_the_bio_tag_so_adjacent_names_stay_apart():
    from spacy.lang.en import English
    from spacy.tokens import Span

    from mountner.inference.predict import word_rows

    doc = English().make_doc("Mont Blanc Monte Rosa here")
    doc.ents = [Span(doc, 0, 2, "MOUNTAIN"), Span(doc, 2, 4, "MOUNTAIN")]
    rows = list(word_rows(doc, text_index=3, offset=100))
    assert [r["entity"] for r in rows] == ["B-MOUNTAIN", "I-MOUNTAIN", "B-MOUNTAIN", "I-MOUNTAIN", "O"]
    assert [r["entity_group"] for r in rows] == ["MOUNTAIN"] * 4 + ["O"]
    assert all(r["text_index"] == 3 for r in rows)
    assert [(r["start"], r["end"]) for r in rows][:2] == [(100, 104), (105, 110)]


def test_json_offsets_point_into_each_whole_text_across_chunks(trained, tmp_path):
    _, _, model = trained
    long_text = "Snow covered Mont Blanc and Monte Rosa. " * (2 * CHUNK_CHARS // 40 + 5)
    path = tmp_path / "long.txt"
    path.write_text(long_text, encoding="utf8")
    short = "Ben Nevis is in Scotland."
    rows = json.loads(predict(model, "--format", "json", short, "--file", path).stdout)
    texts = {0: short, 1: long_text}
    assert {r["text_index"] for r in rows} == {0, 1}
    assert all(texts[r["text_index"]][r["start"]:r["end"]] == r["word"] for r in rows)
    assert max(r["start"] for r in rows if r["text_index"] == 1) > CHUNK_CHARS  # past the first piece
    for r in rows:
        assert r["entity"] == "O" if r["entity_group"] == "O" else r["entity"] in ("B-MOUNTAIN", "I-MOUNTAIN")


def test_text_format_marks_the_names_the_json_finds(trained):
    _, _, model = trained
    texts = ["We climbed Mount Kenya in May.", "Ben Nevis is in Scotland."]
    rows = json.loads(predict(model, "--format", "json", *texts).stdout)
    shown = predict(model, "--format", "text", *texts).stdout  # a pipe, not a terminal: brackets, no colour
    assert "\x1b[" not in shown
    assert shown.replace("[", "").replace("]", "").splitlines() == texts
    for index, text in enumerate(texts):
        marked, names = shown.splitlines()[index], []
        for row in rows:
            if row["text_index"] == index and row["entity"] == "B-MOUNTAIN":
                names.append([row["start"], row["end"]])
            elif row["text_index"] == index and row["entity"] == "I-MOUNTAIN":
                names[-1][1] = row["end"]
        assert re.findall(r"\[([^\]]+)\]", marked) == [text[start:end] for start, end in names]


def test_highlight_colours_for_a_terminal_and_brackets_otherwise():
    from spacy.lang.en import English
    from spacy.tokens import Span

    from mountner.inference.predict import highlight

    doc = English().make_doc("Mont Blanc Monte Rosa here")
    doc.ents = [Span(doc, 0, 2, "MOUNTAIN"), Span(doc, 2, 4, "MOUNTAIN")]
    assert highlight(doc, colour=False) == "[Mont Blanc] [Monte Rosa] here"
    coloured = highlight(doc, colour=True)
    assert coloured.count("\x1b[") >= 4 and "Mont Blanc" in coloured and "[Mont" not in coloured
