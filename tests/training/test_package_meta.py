"""The meta that `mountner package` ships: real-text scores and intervals, licences, the prompt version, the mountain-free rate."""
import json
from pathlib import Path

from mountner.generation.llm.generator import DEFAULT_REPORT
from mountner.generation.llm.request_plan import GENERATE_PROMPT_VERSION
from mountner.training.package_meta import GENERATION_REPORT, Generator, write_meta

from conftest import REAL_RATE, SCORES, write_package_inputs


def package_meta(tmp_path, model, encoder, metrics, *args):
    """The meta that `mountner package` ships, with its --generator, --llm-model and --generation-report given as in
    args (the report by default in tmp_path, absent unless the test writes it)."""
    options = {"--generator": "auto", "--llm-model": "gpt-4o-mini", "--generation-report": tmp_path / "openai_report.json",
               **dict(zip(args[::2], args[1::2]))}
    output = tmp_path / "meta.json"
    write_meta(model, encoder, metrics, output, "mountner", "0.1.0", Generator(options["--generator"]), options["--llm-model"],
               Path(options["--generation-report"]))
    return json.loads(output.read_text())


def test_packaged_meta_carries_real_text_scores_and_licences(tmp_path):
    model, encoder, metrics = write_package_inputs(tmp_path, {"test (unseen names)": SCORES, "real: x.iob": SCORES}, [])
    meta = package_meta(tmp_path, model, encoder, metrics, "--generator", "offline")
    assert meta["performance"]["real_f"] == round(1 / 3, 4) and meta["performance"]["real_p"] == 0.5
    assert meta["performance"]["ents_f"] == 0.9  # spaCy's own dev score stays
    assert "real text: not measured" not in meta["description"]
    assert meta["performance"]["real_text"] == "x.iob, 10 sentences"
    assert "real_f_ci95" not in meta["performance"]  # metrics written before evaluate gave intervals


def test_packaged_meta_carries_the_real_f1_interval(tmp_path):
    scores = {**SCORES, "seqeval_ci95": {"precision": [0.3, 0.7], "recall": [0.1, 0.4], "f1": [0.15556, 0.5]}}
    model, encoder, metrics = write_package_inputs(tmp_path, {"real: x.iob": scores}, [])
    meta = package_meta(tmp_path, model, encoder, metrics, "--generator", "offline")
    assert meta["performance"]["real_f_ci95"] == [0.1556, 0.5]
    assert "F1 0.333 (95% interval 0.156-0.500)" in meta["description"]
    assert meta["mountner_metrics"]["real: x.iob"]["f1"] == round(1 / 3, 4)
    by_name = {s["name"]: s for s in meta["sources"]}
    assert by_name["sentence-transformers/all-MiniLM-L6-v2"]["license"] == "Apache-2.0"
    assert any("WordNet" in name for name in by_name) and any("gazetteer" in name.lower() for name in by_name)
    assert not any("LLM" in name for name in by_name)


def test_packaged_meta_says_plainly_when_real_text_was_not_measured(tmp_path):
    skipped = [{"path": "../shared/data/fewnerd-mountain-dev.iob", "reason": "not found"}]
    model, encoder, metrics = write_package_inputs(tmp_path, {"test (unseen names)": SCORES}, skipped, used="/somewhere/tiny-bert")
    meta = package_meta(tmp_path, model, encoder, metrics, "--generator", "openai", "--llm-model", "gpt-4o-mini")
    assert "real_f" not in meta["performance"]
    assert meta["performance"]["real_text"] == "not measured (../shared/data/fewnerd-mountain-dev.iob not found)"
    assert "real text: not measured" in meta["description"] and "generated" in meta["description"]
    by_name = {s["name"]: s for s in meta["sources"]}
    assert by_name["/somewhere/tiny-bert"]["license"].startswith("unknown")
    assert any("gpt-4o-mini" in name for name in by_name)
    # no generation report to read the prompt version from: the meta says it is unknown, never a guess
    assert meta["mountner_prompt"]["version"] is None and "not found" in meta["mountner_prompt"]["note"]


def test_packaged_meta_names_the_prompt_version_of_the_llm_generator_and_none_offline(tmp_path):
    model, encoder, metrics = write_package_inputs(tmp_path, {"real: x.iob": SCORES}, [])
    report = tmp_path / "corpus" / "raw" / "openai_report.json"
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps({"model": "gpt-4o-mini", "prompt_version": GENERATE_PROMPT_VERSION}))
    meta = package_meta(tmp_path, model, encoder, metrics, "--generator", "openai", "--generation-report", report)
    assert meta["mountner_prompt"] == {"version": "generate.v2", "report": str(report)}
    offline = package_meta(tmp_path, model, encoder, metrics, "--generator", "offline", "--generation-report", report)
    assert offline["mountner_prompt"]["version"] is None and "no prompt" in offline["mountner_prompt"]["note"]
    # the package command's default is where the generate step writes its report
    assert GENERATION_REPORT == DEFAULT_REPORT


def test_packaged_meta_carries_false_positives_per_1000_and_the_curve(tmp_path):
    model, encoder, metrics = write_package_inputs(tmp_path, {"real: x.iob": SCORES}, [])
    data = json.loads(metrics.read_text())
    metrics.write_text(json.dumps({**data, "real_rate": REAL_RATE}))
    meta = package_meta(tmp_path, model, encoder, metrics, "--generator", "offline")
    rate = meta["mountner_real_rate"]
    assert rate["fp_per_1000"] == 15.0 and rate["false_positives"] == 6 and rate["sentences"] == 400
    assert rate["fp_per_1000_ci95"] == [5.0, 27.5]
    assert [p["threshold"] for p in rate["pr_curve"]] == [0.0, 0.5] and rate["pr_curve"][1]["precision"] == round(2 / 3, 4)
    assert "15.0 false mountains per 1,000 sentences" in meta["performance"]["real_mountain_free"]


def test_packaged_meta_says_when_mountain_free_text_was_not_measured(tmp_path):
    skipped = [{"path": "../shared/data/fewnerd-nomountain-dev.iob", "reason": "not found", "kind": "mountain-free"}]
    model, encoder, metrics = write_package_inputs(tmp_path, {"real: x.iob": SCORES}, skipped)
    meta = package_meta(tmp_path, model, encoder, metrics)
    assert meta["mountner_real_rate"] is None and meta["performance"]["real_f"] == round(1 / 3, 4)
    assert meta["performance"]["real_mountain_free"] == "not measured (../shared/data/fewnerd-nomountain-dev.iob not found)"
