"""The LLM backend of `generate` without a server: answer validation, the request plan, the prompt templates
(generation/llm/prompts) and the cost."""
from __future__ import annotations

import json

import jinja2
import pytest

from mountner.data.bio import LABEL, LABEL_GUIDELINE
from mountner.generation.llm import answers as openai_answers
from mountner.generation.llm import cost
from mountner.generation.llm import request_plan as openai_requests
from mountner.generation.llm.prompts import PROMPT_DIR, render_prompt, template_name
from test_generate_openai import NAMES


def sentence(tokens, tags, text=None, pos=None):
    return {"text": text if text is not None else " ".join(tokens), "tokens": list(tokens),
            "pos": pos if pos is not None else ["X"] * len(tokens), "tags": list(tags)}


B, I, O = f"B-{LABEL}", f"I-{LABEL}", "O"


# --------------------------------------------------------------------------------------- validation
def test_valid_sentence_normalises_tags_and_pos():
    s = sentence(["Ben", "Nevis", "is", "high", "."], [" b-mountain", "I-Mountain", "o", "O", "O"],
                 text="Ben Nevis is high.", pos=["propn", "PROPN", "aux", "ADJ", "punct"])
    checked, reason, repaired = openai_answers.validate_sentence(s, ["Ben Nevis"])
    assert reason is None and repaired == 0
    assert checked["tags"] == [B, I, O, O, O]
    assert checked["pos"] == ["PROPN", "PROPN", "AUX", "ADJ", "PUNCT"]


def test_i_after_o_is_repaired_and_kept():
    checked, reason, repaired = openai_answers.validate_sentence(sentence(["We", "climbed", "K2", "."], [O, O, I, O]), ["K2"])
    assert reason is None and repaired == 1 and checked["tags"] == [O, O, B, O]


@pytest.mark.parametrize("obj", [
    "not a dict",
    {"tokens": ["a"], "pos": ["X"], "tags": ["O"]},
    {"text": "a", "tokens": "a", "pos": ["X"], "tags": ["O"]},
    {"text": "a", "tokens": ["a"], "pos": [1], "tags": ["O"]},
    {"text": "a", "tokens": ["a"], "tags": ["O"]},
    {"text": "", "tokens": [], "pos": [], "tags": []},
])
def test_malformed(obj):
    assert openai_answers.validate_sentence(obj)[1] == "malformed"


def test_unknown_tag():
    assert openai_answers.validate_sentence(sentence(["Etna", "erupted"], ["B-PEAK", O]))[1] == "unknown_tag"
    assert openai_answers.validate_sentence(sentence(["Etna", "erupted"], ["B-MOUNTAIN", "X"]))[1] == "unknown_tag"


def test_length_mismatch():
    assert openai_answers.validate_sentence(sentence(["Etna", "erupted"], [B]))[1] == "length_mismatch"
    assert openai_answers.validate_sentence(sentence(["Etna", "erupted"], [B, O], pos=["PROPN"]))[1] == "length_mismatch"


def test_tokens_must_rebuild_text_ignoring_whitespace():
    ok = sentence(["Etna", "'s", "slopes", "."], [B, O, O, O], text="Etna's  slopes.")
    assert openai_answers.validate_sentence(ok)[1] is None
    bad = sentence(["Etna", "slopes", "."], [B, O, O], text="Etna's slopes.")
    assert openai_answers.validate_sentence(bad)[1] == "tokens_mismatch_text"


def test_requested_mountain_untagged():
    s = sentence(["Climbers", "love", "Mont", "Blanc", "."], [O, O, O, O, O])
    assert openai_answers.validate_sentence(s, ["Mont Blanc"])[1] == "requested_mountain_untagged"
    partial = sentence(["Climbers", "love", "Mont", "Blanc", "."], [O, O, O, B, O])
    assert openai_answers.validate_sentence(partial, ["Mont Blanc"])[1] == "requested_mountain_untagged"
    # inside a longer entity is fine; absent from the text is fine; another sentence shape is fine
    longer = sentence(["Mount", "Everest", "is", "high"], [B, I, O, O])
    assert openai_answers.validate_sentence(longer, ["Everest"])[1] is None
    assert openai_answers.validate_sentence(sentence(["It", "rained"], [O, O]), ["Mont Blanc"])[1] is None
    possessive = sentence(["K2", "'s", "summit"], [B, O, O], text="K2's summit")
    assert openai_answers.validate_sentence(possessive, ["K2"])[1] is None
    # a word that merely contains the name is not a mention
    assert openai_answers.validate_sentence(sentence(["Route", "K23"], [O, O]), ["K2"])[1] is None


def test_duplicates_dropped_by_normalised_text():
    a = sentence(["Etna", "erupted", "."], [B, O, O], text="Etna erupted.")
    b = sentence(["etna", "erupted", "."], [B, O, O], text="  etna   erupted.")
    seen = set()
    accepted, dropped, repaired, rejected = openai_answers.validate_answer([a, b, {"bad": 1}], ["Etna"], seen)
    assert len(accepted) == 1 and dropped == {"duplicate": 1, "malformed": 1}
    assert [r["reason"] for r in rejected] == ["duplicate", "malformed"]
    assert openai_answers.validate_answer([a], [], seen)[1] == {"duplicate": 1}


def test_extract_json_plain_fenced_and_garbage():
    payload = {"sentences": []}
    assert openai_answers.extract_json(json.dumps(payload)) == payload
    assert openai_answers.extract_json("Sure!\n```json\n" + json.dumps(payload) + "\n```") == payload
    assert openai_answers.extract_json("prefix " + json.dumps(payload) + " suffix") == payload
    assert openai_answers.extract_json('{"sentences": [') is None
    assert openai_answers.extract_json(None) is None
    assert openai_answers.answer_sentences({"sentences": [1, 2]}) == [1, 2]
    assert openai_answers.answer_sentences([1]) == [1]
    assert openai_answers.answer_sentences({"text": "a", "tokens": ["a"]}) == [{"text": "a", "tokens": ["a"]}]
    assert openai_answers.answer_sentences({"foo": 1}) is None


# ---------------------------------------------------------------------------------------------- plan
def test_plan_is_deterministic_and_spreads_over_the_gazetteer():
    plan = openai_requests.build_plan(NAMES, 600, seed=3)
    assert plan == openai_requests.build_plan(NAMES, 600, seed=3)
    assert plan[:50] == openai_requests.build_plan(NAMES, 50, seed=3)  # prefix-stable: resuming with another n is safe
    assert plan != openai_requests.build_plan(NAMES, 600, seed=4)
    drawn = [m for item in plan for m in item.mountains]
    assert sorted(drawn[:len(NAMES)]) == sorted(NAMES)  # the first pass visits every name once
    counts = {name: drawn.count(name) for name in NAMES}
    assert max(counts.values()) - min(counts.values()) <= 2 * 3  # cycling, not sampling with replacement
    negatives = [item for item in plan if item.kind == "negative"]
    assert 0.13 < len(negatives) / len(plan) < 0.27
    assert {item.shape for item in negatives} == set(openai_requests.NEGATIVES)
    assert {item.style for item in plan} == set(openai_requests.STYLES)
    assert {item.shape for item in plan if item.kind == "mountain"} == set(openai_requests.SHAPES)
    assert all(len(item.mountains) >= 2 for item in plan if item.shape in openai_requests.MULTI_SHAPES)


def test_prompt_states_guideline_and_markers():
    others = [("Mount Sinai Hospital", "named_after_mountain"), ("Denver", "city")]
    plan = openai_requests.build_plan(NAMES, 200, seed=0, other_names=others)
    item = next(i for i in plan if i.kind == "mountain")
    system, user = openai_requests.build_messages(item)
    assert LABEL_GUIDELINE in system["content"]
    assert f"PLAN: {item.index}" in user["content"] and f"COUNT: {item.count}" in user["content"]
    assert all(f"MOUNTAIN: {m}" in user["content"] for m in item.mountains)
    named = next(i for i in plan if i.shape == "named_after_mountain")
    assert named.negative_names == ("Mount Sinai Hospital",)
    assert "MOUNTAIN:" not in openai_requests.build_messages(named)[1]["content"]


def test_the_generate_prompt_is_its_versioned_templates_rendered():
    version = openai_requests.GENERATE_PROMPT_VERSION
    assert version == "generate.v2" and all((PROMPT_DIR / template_name(version, role)).is_file() for role in ("system", "user"))
    system = render_prompt(version, "system", label="PEAK", label_guideline="GUIDELINE-TEXT")
    assert "GUIDELINE-TEXT" in system and "B-PEAK" in system and "I-PEAK" in system and "B-MOUNTAIN" not in system
    assert "{{" not in system and "{#" not in system and not system.endswith("\n")
    assert openai_requests.SYSTEM_PROMPT == render_prompt(version, "system", label=LABEL, label_guideline=LABEL_GUIDELINE)
    # Every style, shape and negative the plan can draw has its words in the user template: a missing one
    # would fail to render (StrictUndefined), not leave a gap in the prompt.
    item = openai_requests.PlanItem(7, "mountain", "news", "plain", 3, ("Mount Kenya",))
    texts = set()
    for style in openai_requests.STYLES:
        for shape in openai_requests.SHAPES:
            mountains = ("Mont Blanc", "Monte Rosa") if shape in openai_requests.MULTI_SHAPES else ("Mont Blanc",)
            texts.add(render_prompt(version, "user", item=openai_requests.PlanItem(1, "mountain", style, shape, 2, mountains), label=LABEL))
        for shape in openai_requests.NEGATIVES:
            texts.add(render_prompt(version, "user", item=openai_requests.PlanItem(2, "negative", style, shape, 2, (), ("Paris",)), label=LABEL))
    n_items = len(openai_requests.STYLES) * (len(openai_requests.SHAPES) + len(openai_requests.NEGATIVES))
    assert len(texts) == n_items and all(text.startswith("Write 2 different sentences in the style of ") for text in texts)
    user = render_prompt(version, "user", item=item, label=LABEL)
    assert user.splitlines() == [line for line in user.splitlines() if line == line.strip()]  # no stray indentation
    assert user.endswith("PLAN: 7\nCOUNT: 3\nMOUNTAIN: Mount Kenya") and "\n\nPLAN: 7" in user and "\n\n\n" not in user
    assert openai_requests.build_messages(item)[1]["content"] == user
    with pytest.raises(jinja2.UndefinedError):
        render_prompt(version, "user", item=item)  # label left out
    with pytest.raises(jinja2.UndefinedError):
        render_prompt(version, "user", item=openai_requests.PlanItem(1, "mountain", "poetry", "plain", 1, ("K2",)), label=LABEL)


def test_cost():
    assert cost.cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost.cost_usd("llama-3", 10, 10) is None
