"""`mountner teach`: the model teacher on the tiny trained pipeline of conftest.py; the LLM teacher through the real
openai client against mountner.testing.openai_server, with its answers scripted sentence by sentence; and how both
fail. All sentences are made up for the tests."""
import json
import socket
import time

import jinja2
import pytest
import spacy
from spacy.tokens import DocBin, Span

from mountner.training import teach, teach_llm, teach_sentences
from mountner.data.bio import LABEL_GUIDELINE
from mountner.generation.llm.prompts import PROMPT_DIR, render_prompt, template_name
from conftest import OPENAI_TEST_KEY, TRAIN, invoke

SENTENCES = [text for text, _ in TRAIN]


def run_teach(*args, exit_code=0):
    result = invoke("teach", *args)
    assert result.exit_code == exit_code, result.output
    # A clear error is a typer.Exit, never an exception escaping with its traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def read_docs(path):
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def entities(doc):
    return [(ent.text, ent.label_) for ent in doc.ents]


def read_report(path):
    return json.loads(path.read_text(encoding="utf8"))


def assert_key_nowhere(tmp_path, *texts):
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert OPENAI_TEST_KEY.encode() not in path.read_bytes(), f"API key written to {path}"
    for text in texts:
        assert OPENAI_TEST_KEY not in text


# ---------------------------------------------------------------- the model as teacher


def test_a_sentence_is_doubted_for_an_unsure_entity_or_an_unsure_token_outside_the_entities():
    doc = spacy.blank("en")("We saw Mount Kenya today .")
    doc.set_ents([Span(doc, 2, 4, label="MOUNTAIN")], default="outside")
    doc.ents[0]._.confidence = 0.95
    for token, prob in zip(doc, [1.0, 1.0, 0.5, 0.99, 0.85, 1.0]):  # the probability of each token's own tag
        token._.mountner_prob = prob
    # "today" is O with P(O) = 0.85: 0.15 likely to be part of a name
    assert teach.model_doubt(doc, 0.9) == teach.DROP_UNCERTAIN_TOKEN
    assert teach.model_doubt(doc, 0.8) is None  # the unsure "Mount" is inside: the entity's confidence speaks for it
    assert teach.model_doubt(doc, 0.96) == teach.DROP_LOW_CONFIDENCE
    doc[4]._.mountner_prob = 1.0
    assert teach.model_doubt(doc, 0.95) is None and teach.model_doubt(doc, 1.0) == teach.DROP_LOW_CONFIDENCE


def certainty(doc):
    """The lowest of the entities' confidences and of the other tokens' P(O): teach keeps a sentence at
    min_confidence m exactly when this is >= m."""
    inside = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    return min([ent._.confidence for ent in doc.ents] + [t._.mountner_prob for t in doc if t.i not in inside])


# The tiny pipeline is sure of its six training sentences and unsure of these scrambled ones.
SCRAMBLED = ["MOUNT KENYA IS IN MAY AND PARIS.", "Kenya Blanc Nevis York Sinai Rosa Alps.", "Covered snow Blanc, the Mont and Rosa Monte."]


def test_model_teacher_keeps_sure_sentences_with_their_entities_and_drops_unsure_ones(trained, tmp_path):
    _, _, model = trained
    texts = SENTENCES + SCRAMBLED
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf8")
    predicted = list(spacy.load(model).pipe(texts))
    sure = {doc.text: certainty(doc) for doc in predicted}
    assert min(sure.values()) < max(sure.values()), sure

    def kept_at(min_confidence):
        out, report = tmp_path / f"kept-{min_confidence}.spacy", tmp_path / f"report-{min_confidence}.json"
        run_teach(source, "--output", out, "--model", model, "--min-confidence", min_confidence, "--report", report)
        return read_docs(out), read_report(report)

    # Nothing is too unsure at 0: every sentence is kept, in input order, with the model's entities, and every
    # token outside them is explicitly O (a token left unset would teach nothing).
    docs, report = kept_at(0.0)
    assert [doc.text for doc in docs] == texts
    assert [entities(doc) for doc in docs] == [entities(doc) for doc in predicted]
    assert any(doc.ents for doc in docs) and any(not doc.ents for doc in docs)
    assert all(token.ent_iob_ in ("B", "I", "O") for doc in docs for token in doc)
    assert report["kept_positives"] + report["kept_negatives"] == report["sentences_taught"] == len(texts)
    assert report["dropped"] == {}
    assert report["prompt_version"] is None  # the model teacher sends no prompt

    # Between the least and the most sure sentence, and at 1: the unsure are dropped, each counted by its reason;
    # the sure keep the model's entities.
    middle = (min(sure.values()) + max(sure.values())) / 2
    for min_confidence in (middle, 1.0):
        docs, report = kept_at(min_confidence)
        expected = [doc for doc in predicted if sure[doc.text] >= min_confidence]
        assert [(doc.text, entities(doc)) for doc in docs] == [(doc.text, entities(doc)) for doc in expected]
        assert len(expected) < len(texts)
        assert sum(report["dropped"].values()) == len(texts) - len(expected)
        assert set(report["dropped"]) <= {teach.DROP_LOW_CONFIDENCE, teach.DROP_UNCERTAIN_TOKEN}
    assert any(doc.ents for doc in kept_at(middle)[0])


def test_the_three_input_forms_give_the_same_sentences_and_a_bad_line_is_counted(trained, tmp_path):
    _, _, model = trained
    # One document of two sentences, a blank one, one too short to teach anything, and a plain one.
    documents = [f"{SENTENCES[0]} {SENTENCES[2]}", "  ", "Ben Nevis.", SENTENCES[5]]
    text_file = tmp_path / "docs.txt"
    text_file.write_text("\n".join(documents) + "\n", encoding="utf8")
    jsonl = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": f"d{k}", "text": text}) for k, text in enumerate(documents)]
    jsonl.write_text("\n".join(lines[:2] + ["{not json"] + lines[2:]) + "\n", encoding="utf8")
    folder = tmp_path / "docs"
    folder.mkdir()
    for k, text in enumerate(documents):
        (folder / f"{k}.txt").write_text(text, encoding="utf8")

    expected = [SENTENCES[0], SENTENCES[2], SENTENCES[5]]
    for source in (text_file, jsonl, folder):
        out, report_path = tmp_path / f"{source.name}.spacy", tmp_path / f"{source.name}.json"
        result = run_teach(source, "--output", out, "--model", model, "--min-confidence", 0.0, "--report", report_path)
        report = read_report(report_path)
        assert [doc.text for doc in read_docs(out)] == expected, source
        assert report["sentences_taught"] == 3 and report["documents"] == 4
        assert report["skipped"] == {teach_sentences.SKIP_BLANK: 1, teach_sentences.SKIP_SHORT: 1}
        bad = 1 if source == jsonl else 0
        assert report["bad_lines"] == bad and f"{bad} bad lines skipped" in result.output
        if bad:  # reported with its line number, as tag.py reports it
            assert "docs.jsonl line 3: not JSON" in result.output
            assert len(report["bad_line_errors"]) == 1 and "docs.jsonl line 3: not JSON" in report["bad_line_errors"][0]

    out = tmp_path / "two.spacy"
    run_teach(text_file, "--output", out, "--model", model, "--min-confidence", 0.0, "--max-sentences", 2, "--report", tmp_path / "two.json")
    assert [doc.text for doc in read_docs(out)] == expected[:2]


# ---------------------------------------------------------------- an LLM as teacher

GARBLED = "garbled"  # the whole answer is not JSON
LEFT_OUT = None      # the answer leaves the sentence out


def script_answers(server, mountains_for, bodies=None):
    """Make the fake server answer teach's requests: mountains_for(sentence) names its mountains, or says GARBLED
    or LEFT_OUT. Faults scheduled on the server (500, 401...) still come first; bodies collects the requests."""
    def content_for(body, fault, mode, rng=None):  # rng: the bad-day profile's draws, unused here
        if bodies is not None:
            bodies.append(body)
        asked = json.loads(body["messages"][-1]["content"])["sentences"]
        answers = [(s["id"], mountains_for(s["text"])) for s in asked]
        if any(names == GARBLED for _, names in answers):
            return "Sure! Here are the mountains: Mount Kenya"
        return json.dumps({"sentences": [{"id": i, "mountains": names} for i, names in answers if names is not LEFT_OUT]})

    server.content_for = content_for  # the server's completion() builds every chat answer with this


LLM_SCRIPT = {
    "Hikers rested near Mauna Loa at noon.": ["Mauna Loa"],              # its request fails (500, no retries)
    "We climbed Mount Kenya in May.": ["Mount Kenya"],
    "Mont Blanc rose above the clouds, and Mont Blanc glowed.": ["Mont Blanc", "Blanc"],  # every occurrence; overlap
    "Paris is a city in France.": [],                                      # a negative
    "The Alps and the Andes are ranges.": ["The Matterhorn"],             # not in the sentence
    "Ben Nevis is in Scotland today.": ["Ben Nev"],                        # cuts a token
    "Clouds hid the Andes all day long.": GARBLED,
    "Fog lay over Monte Rosa at dawn.": LEFT_OUT,
}


def test_llm_teacher_keeps_checked_answers_and_drops_the_others_by_reason(serve, tmp_path):
    server = serve(schedule={0: "500"})
    bodies = []
    script_answers(server, LLM_SCRIPT.__getitem__, bodies)
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(LLM_SCRIPT) + "\n", encoding="utf8")
    out, report_path = tmp_path / "teacher.spacy", tmp_path / "report.json"
    # One sentence a request, one request at a time: request 0 (the 500) is the first sentence's.
    result = run_teach(source, "--output", out, "--teacher", "llm", "--report", report_path,
                       "--sentences-per-request", 1, "--concurrency", 1, "--max-retries", 0)
    docs = read_docs(out)
    assert [(doc.text, entities(doc)) for doc in docs] == [
        ("We climbed Mount Kenya in May.", [("Mount Kenya", "MOUNTAIN")]),
        ("Mont Blanc rose above the clouds, and Mont Blanc glowed.", [("Mont Blanc", "MOUNTAIN"), ("Mont Blanc", "MOUNTAIN")]),
        ("Paris is a city in France.", []),
    ]
    assert all(token.ent_iob_ in ("B", "I", "O") for doc in docs for token in doc)
    report = read_report(report_path)
    assert report["dropped"] == {teach_llm.DROP_REQUEST_FAILED: 1, teach_llm.DROP_NOT_IN_SENTENCE: 1, teach_llm.DROP_CUTS_TOKEN: 1,
                                 teach_llm.DROP_NOT_JSON: 1, teach_llm.DROP_MISSING: 1}
    assert (report["kept_positives"], report["kept_negatives"], report["kept_entities"]) == (2, 1, 3)
    assert report["llm"]["requests"] == len(LLM_SCRIPT) and report["llm"]["failed_requests"] == {"InternalServerError": 1}
    # The prompt states the guideline and asks for JSON.
    body = bodies[0]
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]["content"]
    assert LABEL_GUIDELINE in system and "lower-case type word after the name" in system and '"mountains"' in system
    assert system == teach_llm.SYSTEM_PROMPT and report["prompt_version"] == teach_llm.TEACH_PROMPT_VERSION == "teach.v2"
    assert_key_nowhere(tmp_path, result.output)


def test_the_teach_prompt_is_its_versioned_template_rendered():
    assert (PROMPT_DIR / template_name(teach_llm.TEACH_PROMPT_VERSION, "system")).is_file()
    system = render_prompt(teach_llm.TEACH_PROMPT_VERSION, "system", label_guideline="GUIDELINE-TEXT")
    assert "GUIDELINE-TEXT" in system and "{{" not in system and "{#" not in system and not system.endswith("\n")
    # the answer shape the teacher parses, and the request shape it sends
    assert '{"sentences": [{"id": <int>, "mountains": [' in system and '{"sentences": [{"id": <int>, "text": "..."}]}' in system
    assert teach_llm.SYSTEM_PROMPT == render_prompt(teach_llm.TEACH_PROMPT_VERSION, "system", label_guideline=LABEL_GUIDELINE)
    with pytest.raises(jinja2.UndefinedError):  # a value left out is an error, never an empty gap in the prompt
        render_prompt(teach_llm.TEACH_PROMPT_VERSION, "system")


def test_llm_requests_run_concurrently_and_no_more_than_the_limit(serve, tmp_path):
    server = serve(latency=0.2)
    bodies = []
    script_answers(server, lambda text: [], bodies)
    sentences = [f"Nothing happened on day {k} of the trip." for k in range(12)]
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(sentences) + "\n", encoding="utf8")
    out = tmp_path / "teacher.spacy"
    run_teach(source, "--output", out, "--teacher", "llm", "--report", tmp_path / "report.json",
              "--sentences-per-request", 2, "--concurrency", 3)
    assert [doc.text for doc in read_docs(out)] == sentences
    assert [len(json.loads(b["messages"][-1]["content"])["sentences"]) for b in bodies] == [2] * 6
    assert server.max_in_flight == 3


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def existing_output(tmp_path):
    """An output from an earlier run, and the input of this one."""
    output = tmp_path / "corpus" / "teacher.spacy"
    output.parent.mkdir()
    output.write_bytes(b"an earlier run's output")
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(SENTENCES) + "\n", encoding="utf8")
    return source, output


def assert_left_as_it_was(output, report):
    assert output.read_bytes() == b"an earlier run's output"
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]  # no temporary file left
    assert not report.exists()


def test_a_closed_port_is_a_clear_error_and_leaves_the_output_as_it_was(existing_output, tmp_path, monkeypatch):
    source, output = existing_output
    url = closed_port_url()
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_TEST_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    report = tmp_path / "report.json"
    started = time.monotonic()
    result = run_teach(source, "--output", output, "--teacher", "llm", "--report", report, "--sentences-per-request", 1, exit_code=1)
    assert time.monotonic() - started < 5  # the connection watch stops it; without it the retries take ~7 s
    assert f"cannot reach the server at {url}" in result.output and "OPENAI_BASE_URL" in result.output
    assert_left_as_it_was(output, report)
    assert_key_nowhere(tmp_path, result.output)


def test_no_key_is_a_clear_error_before_anything_is_read_or_written(existing_output, tmp_path, monkeypatch):
    source, output = existing_output
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    report = tmp_path / "report.json"
    result = run_teach(source, "--output", output, "--teacher", "llm", "--report", report, exit_code=1)
    assert "OPENAI_API_KEY is not set" in result.output and "--teacher model" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert_left_as_it_was(output, report)


def test_a_rejected_key_stops_the_run_without_printing_it(serve, existing_output, tmp_path):
    source, output = existing_output
    serve(probabilities={"401": 1.0})  # the fake server, like the real API, echoes the key in its answer
    report = tmp_path / "report.json"
    result = run_teach(source, "--output", output, "--teacher", "llm", "--report", report, exit_code=3)
    assert "rejected the API key" in result.output
    assert_left_as_it_was(output, report)
    assert_key_nowhere(tmp_path, result.output)
