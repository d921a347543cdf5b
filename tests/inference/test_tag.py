"""`mountner tag`: the same entities as nlp.pipe, input order, long documents, bad lines, resume after
a kill, a process pool, and Ray. All on the tiny trained pipeline of conftest.py."""
import json
import subprocess
import sys

import pytest

from mountner.inference import tag_records
from mountner.inference.predict import CHUNK_CHARS

from conftest import TRAIN, invoke

TEXTS = [text for text, _ in TRAIN] + ["", "Nothing to see here.", "Clouds hid Ben Nevis and Mont Blanc all day."]


def expected(nlp, texts):
    """What nlp.pipe gives on the same texts, in tag.py's output form."""
    return [{"id": i + 1, "entities": tag_records.entity_rows(doc, 0)} for i, doc in enumerate(nlp.pipe(texts))]


def run_tag(*args):
    result = invoke("tag", *args)
    assert result.exit_code == 0, result.output
    return result


def run_tag_process(*args, timeout=180):
    result = subprocess.run([sys.executable, "-m", "mountner", "tag", *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf8")
    return path


def test_same_entities_as_nlp_pipe_in_input_order(trained, text_file, tmp_path):
    nlp, _, model = trained
    out = tmp_path / "out.jsonl"
    run_tag(text_file, "--output", out, "--model", model, "--batch-size", 3, "--block-size", 4)
    rows = read_jsonl(out)
    assert rows == expected(nlp, TEXTS)
    assert any(row["entities"] for row in rows)
    for row, text in zip(rows, TEXTS):
        assert all(text[e["start"]:e["end"]] == e["text"] and e["source"] in ("tagger", "known name") for e in row["entities"])


def test_long_documents_are_cut_with_offsets_into_the_whole_document(trained, tmp_path):
    _, _, model = trained
    sentence = "Snow covered Mont Blanc and Monte Rosa. "
    long_text = sentence * (3 * CHUNK_CHARS // len(sentence))
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"id": "book", "text": long_text}) + "\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    run_tag(source, "--output", out, "--model", model)
    [row] = read_jsonl(out)
    assert row["id"] == "book"
    assert all(long_text[e["start"]:e["end"]] == e["text"] for e in row["entities"])
    assert max(e["start"] for e in row["entities"]) > 2 * CHUNK_CHARS


def test_bad_lines_are_reported_counted_and_keep_their_place(trained, tmp_path):
    nlp, _, model = trained
    good = "We climbed Mount Kenya in May."
    source = tmp_path / "docs.jsonl"
    source.write_bytes(b"\n".join([
        json.dumps({"id": "a", "text": good}).encode(),
        b"{not json",
        json.dumps({"id": "c", "body": good}).encode(),
        b'{"text": "caf\xe9 on Mount Kenya"}',
        b"[1, 2]",
        json.dumps({"text": good}).encode(),
    ]) + b"\n")
    out = tmp_path / "out.jsonl"
    result = run_tag(source, "--output", out, "--model", model)
    rows = read_jsonl(out)
    assert [row["id"] for row in rows] == ["a", 2, "c", 4, 5, 6]
    assert [("error" in row) for row in rows] == [False, True, True, True, True, False]
    assert "line 2: not JSON" in rows[1]["error"] and 'line 3: no "text"' in rows[2]["error"] and "line 4: not UTF-8" in rows[3]["error"]
    assert rows[0]["entities"] == rows[5]["entities"] == tag_records.entity_rows(nlp(good), 0)
    assert "line 2: not JSON" in result.output and "4 bad lines skipped" in result.output


def test_folder_of_txt_files_ids_are_their_paths(trained, tmp_path):
    nlp, _, model = trained
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text(TEXTS[1], encoding="utf8")
    (folder / "a.txt").write_text(TEXTS[0], encoding="utf8")
    (folder / "sub" / "c.txt").write_bytes(b"\xff\xfe broken")
    (folder / "notes.md").write_text("ignored", encoding="utf8")
    out = tmp_path / "out.jsonl"
    run_tag(folder, "--output", out, "--model", model)
    rows = read_jsonl(out)
    assert [row["id"] for row in rows] == ["a.txt", "b.txt", "sub/c.txt"]
    assert [row["entities"] for row in rows[:2]] == [tag_records.entity_rows(doc, 0) for doc in nlp.pipe(TEXTS[:2])]
    assert "not UTF-8" in rows[2]["error"]


def test_a_killed_run_resumes_without_loss_or_duplicates(trained, text_file, tmp_path):
    _, _, model = trained
    reference = tmp_path / "reference.jsonl"
    run_tag(text_file, "--output", reference, "--model", model)
    complete = reference.read_bytes()
    lines = complete.splitlines(keepends=True)
    # What a kill leaves: three whole lines, then half of the fourth.
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    result = run_tag(text_file, "--output", out, "--model", model)
    assert out.read_bytes() == complete
    assert f"wrote {len(lines) - 3} documents" in result.output
    # A finished output is left as it is.
    run_tag(text_file, "--output", out, "--model", model)
    assert out.read_bytes() == complete


def test_an_output_from_another_input_is_refused_not_extended(trained, text_file, tmp_path):
    _, _, model = trained
    out = tmp_path / "out.jsonl"
    before = json.dumps({"id": "other", "entities": []}) + "\n"
    out.write_text(before, encoding="utf8")
    result = invoke("tag", text_file, "--output", out, "--model", model)
    assert result.exit_code == 1 and "written from another input" in result.output and "Traceback" not in result.output
    assert out.read_text(encoding="utf8") == before


@pytest.mark.parametrize("args, message", [
    (["absent.txt"], "absent.txt not found"),
    (["{input}", "--model", "no_such_model"], "not found (neither an installed package nor a folder)"),
    (["{input}", "--ray-address", "auto"], "need --engine ray"),
])
def test_bad_options_give_one_clear_line(text_file, tmp_path, args, message):
    args = [a.format(input=text_file) for a in args] + ["--output", str(tmp_path / "out.jsonl")]
    result = subprocess.run([sys.executable, "-m", "mountner", "tag", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_two_processes_give_the_same_output(trained, text_file, tmp_path):
    nlp, _, model = trained
    out = tmp_path / "out.jsonl"
    # A timeout, not a hang: nlp.pipe(n_process=2) with torch inside once wrote nothing for 15 minutes.
    run_tag_process(text_file, "--output", out, "--model", model, "--n-process", 2, "--block-size", 3, timeout=180)
    assert read_jsonl(out) == expected(nlp, TEXTS)


def test_ray_with_two_actors_equals_the_local_engine(trained, text_file, tmp_path):
    pytest.importorskip("ray.data")
    _, _, model = trained
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_tag(text_file, "--output", local, "--model", model, "--block-size", 3)
    run_tag_process(text_file, "--output", on_ray, "--model", model, "--engine", "ray", "--n-process", 2, "--block-size", 3, timeout=300)
    assert read_jsonl(on_ray) == read_jsonl(local)


def entity_spans(doc):
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def test_nlp_pipe_batches_docs_of_similar_length_and_keeps_input_order(trained):
    import spacy

    _, _, model = trained
    nlp = spacy.load(model)
    transformer = nlp.get_pipe("transformer")
    assert type(transformer).__name__ == "LengthSortedTransformer"
    texts = ["Ben Nevis.", "We climbed Mount Kenya in May with friends from Nairobi.", "Mont Blanc.", "Snow covered Mont Blanc and Monte Rosa all winter long."]
    seen = []
    predict = transformer.predict
    transformer.predict = lambda docs: seen.append([d.text for d in docs]) or predict(docs)
    docs = list(nlp.pipe(texts, batch_size=2))
    assert [d.text for d in docs] == texts
    # The two short texts went through the encoder together, then the two long ones.
    assert sorted(map(sorted, seen)) == sorted([sorted(texts[0::2]), sorted(texts[1::2])])
    del transformer.predict
    assert [entity_spans(d) for d in docs] == [entity_spans(nlp(t)) for t in texts]


def test_nlp_pipe_sorts_by_word_pieces_not_characters(trained):
    """The encoder pads to word pieces: a long run of unknown characters is one piece, not many."""
    import spacy

    _, _, model = trained
    nlp = spacy.load(model)
    transformer = nlp.get_pipe("transformer")
    texts = ["Ben Nevis.", "Mount Kenya and Mont Blanc and the Alps and Ben Nevis.", "We climbed Mount Kenya in May with Paris friends.",
             "Qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq."]
    pieces = transformer._encoder_lengths([nlp.make_doc(t) for t in texts])
    by_pieces, by_chars = sorted(range(4), key=pieces.__getitem__), sorted(range(4), key=lambda i: len(texts[i]))
    assert {frozenset(by_pieces[:2]), frozenset(by_pieces[2:])} != {frozenset(by_chars[:2]), frozenset(by_chars[2:])}
    seen = []
    predict = transformer.predict
    transformer.predict = lambda docs: seen.append(frozenset(d.text for d in docs)) or predict(docs)
    docs = list(nlp.pipe(texts, batch_size=2))
    assert [d.text for d in docs] == texts
    assert set(seen) == {frozenset(texts[i] for i in by_pieces[:2]), frozenset(texts[i] for i in by_pieces[2:])}


def test_quantize_predicts_with_an_int8_copy_and_keeps_the_float32_weights(trained):
    import spacy
    import torch

    _, _, model = trained
    nlp = spacy.load(model, config={"components": {"transformer": {"quantize": True}}})
    list(nlp.pipe(["We climbed Mount Kenya in May."]))
    transformer = nlp.get_pipe("transformer")
    int8_layers = [m for m in transformer._int8_encoder.modules() if "quantized" in type(m).__module__]
    assert int8_layers
    float32 = transformer.model.layers[0].shims[0]._model
    assert any(isinstance(m, torch.nn.Linear) for m in float32.modules())
    assert not any("quantized" in type(m).__module__ for m in float32.modules())


def test_sort_buffers_close_at_their_character_bound():
    import spacy
    from mountner.pipeline.transformer import _bounded_buffers

    nlp = spacy.blank("en")
    docs = [nlp.make_doc(t) for t in ("Ben Nevis. ", "", "Mont Blanc", "K2 and  Everest  ", "Denali")]
    assert [len(d.text) for d in docs] == [11, 0, 10, 17, 6]
    # A buffer closes once its characters reach the bound (11, then 0 + 10 + 17), or its docs do.
    assert [[d.text for d in b] for b in _bounded_buffers(docs, max_docs=10, max_chars=11)] == \
        [["Ben Nevis. "], ["", "Mont Blanc", "K2 and  Everest  "], ["Denali"]]
    assert [len(b) for b in _bounded_buffers(docs, max_docs=2, max_chars=10_000)] == [2, 2, 1]
