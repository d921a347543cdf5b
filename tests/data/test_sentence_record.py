"""The one sentence check, name-cleaning rule and de-duplication key that every data path shares."""
from __future__ import annotations

import pytest

from mountner.data.bio import write_rows
from mountner.data.corpus_io import DataError, read_word_rows
from mountner.generation.llm.answers import validate_sentence as validate_llm_sentence
from mountner.generation.llm.request_plan import build_plan
from mountner.data.sentence_record import clean_name, clean_names, text_key, validate_sentence

B, I, O = "B-MOUNTAIN", "I-MOUNTAIN", "O"


def test_a_good_sentence_comes_back_repaired():
    sentence, reason, problem = validate_sentence("Climbers love Mont Blanc.", ["Climbers", "love", "Mont", "Blanc", "."],
                                                  [O, O, "i-mountain", I, O], where="f:3")
    assert reason is None and problem == ""
    assert sentence.tags == [O, O, B, I, O] and sentence.repaired == 1 and sentence.where == "f:3"
    assert sentence.to_row() == {"text": "Climbers love Mont Blanc.", "tokens": ["Climbers", "love", "Mont", "Blanc", "."],
                                 "pos": [], "tags": [O, O, B, I, O]}


@pytest.mark.parametrize("text, words, tags, pos, reason", [
    ("", ["K2"], [B], None, "malformed"),
    ("K2 rises", ["K2", " "], [B, O], None, "malformed"),
    ("K2 rises", ["K2", "rises"], ["B-PEAK", O], None, "unknown_tag"),
    ("K2 rises", ["K2", "rises"], [B], None, "length_mismatch"),
    ("K2 rises", ["K2", "rises"], [B, O], ["PROPN"], "length_mismatch"),
    ("K2's summit", ["K2", "summit"], [B, O], None, "tokens_mismatch_text"),
])
def test_each_failure_has_its_reason(text, words, tags, pos, reason):
    assert validate_sentence(text, words, tags, pos)[:2] == (None, reason)


def test_the_llm_backend_and_csv_input_fail_the_same_sentence_for_the_same_reason(tmp_path):
    text, words, tags = "K2's summit", ["K2", "summit"], [B, O]
    assert validate_llm_sentence({"text": text, "tokens": words, "pos": ["PROPN", "NOUN"], "tags": tags})[1] == "tokens_mismatch_text"
    path = tmp_path / "rows.csv"
    write_rows([{"text": text, "tokens": words, "pos": ["PROPN", "NOUN"], "tags": tags}], path)
    with pytest.raises(DataError, match=rf"{path}:2: the words do not rebuild the sentence text"):
        read_word_rows(path)


def test_one_de_duplication_key():
    assert text_key("Mount  Hood rises.") == text_key("mount hood RISES.")
    assert text_key("Mount Hood rises.") != text_key("Mount Hood rose.")


def test_one_name_cleaning_rule_for_templates_and_prompts():
    assert clean_name("  Mount   Hood ") == "Mount Hood"
    for unusable in (None, 3, "", "nan", "Hood (volcano)", 'The "Hood"', "A;B", "1234", "x" * 61):
        assert clean_name(unusable) is None, unusable
    assert clean_names(["Mount Hood", "Mount  Hood", "Etna (volcano)", "Etna"]) == ["Etna", "Mount Hood"]
    # the LLM request plan asks only for names that pass the rule
    plan = build_plan(["Etna (volcano)", "Mount  Hood"], 20, seed=0)
    assert {m for item in plan for m in item.mountains} == {"Mount Hood"}
