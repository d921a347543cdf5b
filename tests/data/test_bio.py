from mountner.data.bio import bio_spans, normalise_tag, repair_bio, word_char_offsets, write_rows
import pandas as pd


def test_normalise_tag_accepts_case_and_spacing_variants_only():
    assert normalise_tag(" b-mountain ") == "B-MOUNTAIN"
    assert normalise_tag("I_Mountain") == "I-MOUNTAIN"
    assert normalise_tag("o") == "O"
    assert normalise_tag("B-LOC") is None
    assert normalise_tag(None) is None


def test_repair_bio_turns_i_after_o_into_b_and_counts():
    tags, fixed = repair_bio(["I-MOUNTAIN", "I-MOUNTAIN", "O", "I-MOUNTAIN", "B-MOUNTAIN", "I-MOUNTAIN"])
    assert tags == ["B-MOUNTAIN", "I-MOUNTAIN", "O", "B-MOUNTAIN", "B-MOUNTAIN", "I-MOUNTAIN"]
    assert fixed == 2


def test_bio_spans_splits_adjacent_entities():
    assert bio_spans(["B-MOUNTAIN", "I-MOUNTAIN", "B-MOUNTAIN", "O"]) == [(0, 2), (2, 3)]


def test_word_char_offsets_requires_words_in_order():
    assert word_char_offsets("Mt. Fuji's top", ["Mt.", "Fuji", "'s", "top"]) == [(0, 3), (4, 8), (8, 10), (11, 14)]
    assert word_char_offsets("Mount Fuji", ["Fuji", "Mount"]) is None


def test_write_rows_writes_the_row_layout(tmp_path):
    path = tmp_path / "rows.csv"
    n = write_rows([{"text": "K2 rises.", "tokens": ["K2", "rises", "."], "pos": ["PROPN", "VERB", "PUNCT"], "tags": ["B-MOUNTAIN", "O", "O"],
                     "origin": "template"}], path)
    frame = pd.read_csv(path, keep_default_na=False)
    assert n == 1
    assert list(frame.columns) == ["sentence_id", "sentence", "word", "pos", "tag", "tag_general", "tag_position", "origin"]
    assert list(frame["tag_general"]) == ["MOUNTAIN", "O", "O"] and list(frame["tag_position"]) == ["B", "O", "O"]
    assert list(frame["origin"]) == ["template"] * 3


def test_write_rows_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("old corpus\n", encoding="utf8")

    def sentences():
        yield {"text": "K2 rises.", "tokens": ["K2", "rises", "."], "pos": ["X"] * 3, "tags": ["B-MOUNTAIN", "O", "O"]}
        raise RuntimeError("generator failed half way")

    import pytest

    with pytest.raises(RuntimeError):
        write_rows(sentences(), path)
    assert path.read_text(encoding="utf8") == "old corpus\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]  # no temporary file left behind
