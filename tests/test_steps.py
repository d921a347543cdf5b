"""The CLI steps around training: encoder fetch, evaluate, results table."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import spacy
from mountner.evaluation.tables import END, FULL_END, FULL_START, START
from mountner.generation.llm.generator import DEFAULT_REPORT
from mountner.generation.llm.request_plan import GENERATE_PROMPT_VERSION
from mountner.training.package_meta import GENERATION_REPORT, Generator, write_meta

from conftest import ROOT, invoke


def script(name, *args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "mountner", name, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd)


def test_encoder_from_a_local_folder_is_recorded(trained, tmp_path):
    _, _, model = trained
    encoder = model.parent / "encoder"
    result = script("encoder", "--name", encoder, "--output", tmp_path / "enc")
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "enc" / "mountner_encoder.json").read_text())
    assert record == {"requested": str(encoder), "fallback_layers": 4, "used": str(encoder), "fallback": False}
    assert (tmp_path / "enc" / "config.json").exists()
    # fallback_layers shapes only the fallback: the requested encoder is not fetched again for it.
    again = script("encoder", "--name", encoder, "--output", tmp_path / "enc", "--fallback-layers", 2)
    assert again.returncode == 0 and "already" in again.stdout


def test_first_layers_of_an_encoder_compute_what_they_computed_inside_it(trained, tmp_path):
    import shutil

    import torch
    from mountner.training.encoder import keep_first_layers
    from transformers import AutoModel

    _, _, model = trained
    cut = shutil.copytree(model.parent / "encoder", tmp_path / "enc")
    assert keep_first_layers(cut, 1) == 1
    assert keep_first_layers(cut, 0) == 1  # 0: all there are
    whole, first = AutoModel.from_pretrained(model.parent / "encoder"), AutoModel.from_pretrained(cut)
    assert (whole.config.num_hidden_layers, first.config.num_hidden_layers) == (2, 1)
    ids = torch.tensor([[2, 40, 41, 42, 3]])
    with torch.no_grad():
        expected = whole(ids, output_hidden_states=True).hidden_states[1]
        assert torch.allclose(first(ids).last_hidden_state, expected, atol=1e-6)


def test_fallback_encoder_keeps_its_first_layers_and_a_failure_keeps_the_old_encoder(trained, tmp_path, monkeypatch):
    from mountner.training import encoder as fetch_encoder

    _, _, model = trained
    # Port 9 on loopback refuses at once: no hub, and nothing outside is reached. The tiny test BERT (2 layers)
    # stands in for the PyPI fallback.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(fetch_encoder, "fallback_model_dir", lambda: model.parent / "encoder")
    output = tmp_path / "enc"

    def fetch(layers):
        return invoke("encoder", "--name", "not-a-cached/model", "--output", output, "--fallback-layers", layers)

    result = fetch(1)
    assert result.exit_code == 0, result.output
    assert "ENCODER FALLBACK" in result.output and "its first 1 of 2 layers" in result.output
    record = json.loads((output / "mountner_encoder.json").read_text())
    assert (record["fallback"], record["layers"], record["fallback_layers"]) == (True, 1, 1)
    assert json.loads((output / "config.json").read_text())["num_hidden_layers"] == 1
    assert "already" in fetch(1).output
    before = {path.name: path.read_bytes() for path in output.iterdir()}
    result = fetch(3)  # more layers than the encoder has: a clear error, the old encoder left as it was
    assert result.exit_code == 1 and "has 2 layers, fewer than the 3 asked for" in result.output
    assert {path.name: path.read_bytes() for path in output.iterdir()} == before
    assert not (tmp_path / "enc.partial").exists()


def test_encoder_without_hub_and_without_fallback_is_a_clear_error(tmp_path, monkeypatch):
    # Port 9 on loopback refuses at once: this stands for "no hub", and reaches nothing outside.
    env = {"PATH": "/usr/bin:/bin", "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf")}
    result = script("encoder", "--name", "not-a-cached/model", "--output", tmp_path / "enc", "--fallback", "false", env=env)
    assert result.returncode == 1
    assert "Cannot load encoder 'not-a-cached/model'" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_scores_an_iob_file_and_skips_a_missing_one(trained, tmp_path):
    _, _, model = trained
    iob = tmp_path / "real.iob"
    iob.write_text("We\tO\nclimbed\tO\nMount\tB-MOUNTAIN\nKenya\tI-MOUNTAIN\n.\tO\n\nParis\tO\nis\tO\nbig\tO\n.\tO\n")
    output = tmp_path / "m.json"
    result = script("evaluate", model, "--output", output, "--test", tmp_path / "none.spacy", "--dev", tmp_path / "none.spacy",
                    "--iob", iob, "--iob", tmp_path / "absent.iob")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stdout and "absent.iob" in result.stdout
    assert json.loads(output.read_text())["meta"]["skipped"] == [{"path": str(tmp_path / "absent.iob"), "reason": "not found", "kind": "real"}]
    scores = json.loads(output.read_text())["results"]["real: real.iob"]
    assert scores["sentences"] == 2 and scores["gold_entities"] == 1
    assert scores["seqeval"]["f1"] == 1.0
    # resamples are right or, drawing only "Paris is big", empty (0, as seqeval scores nothing found of nothing)
    assert scores["seqeval_ci95"]["f1"] == [0.0, 1.0]
    assert sum(band["entities"] for band in scores["reliability"]) == scores["predicted_entities"] == 1


def test_evaluate_reports_a_malformed_iob_file(trained, tmp_path):
    _, _, model = trained
    iob = tmp_path / "bad.iob"
    iob.write_text("Mount\tB-PEAK\n")
    result = script("evaluate", model, "--output", tmp_path / "m.json", "--iob", iob)
    assert result.returncode == 1 and f"{iob}:1: unknown tag 'B-PEAK'" in result.stderr and "Traceback" not in result.stderr


def test_results_table_is_written_between_the_markers(tmp_path):
    metrics = tmp_path / "config.json"
    result = {"sentences": 10, "seqeval": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3},
              "reliability": [{"band": "0.9-1.0", "entities": 4, "precision": 0.75}]}
    by_origin = {"name_swap": {"sentences": 4, "precision": 1.0, "recall": 0.75, "f1": 6 / 7}}
    test = {**result, "by_origin": by_origin}
    real = {**result, "seqeval_ci95": {"precision": [0.2, 0.8], "recall": [0.05, 0.5], "f1": [0.1, 0.52]}}
    negatives = {"sentences": 3000, "false_positives": 54, "fp_per_1000": 18.0, "fp_per_1000_ci95": [13.33, 23.0]}
    metrics.write_text(json.dumps({"meta": {"pipeline": ["transformer", "mountner"], "encoder": {"used": "tiny"}},
                                   "results": {"test (unseen names)": test, "real: x.iob": real},
                                   "real_rate": {"negatives_file": "free.iob", "negatives": negatives}}))
    readme, docs = tmp_path / "README.md", tmp_path / "docs" / "evaluation.md"
    readme.write_text(f"# Title\n{START}\nold\n{END}\nafter\n")
    docs.parent.mkdir()
    docs.write_text(f"# Evaluation\n{FULL_START}\nold\n{FULL_END}\nafter\n")
    assert script("results", "--readme", readme, "--docs", docs, metrics, tmp_path / "missing.json").returncode == 0
    compact = readme.read_text()
    assert "old" not in compact and compact.endswith(f"{END}\nafter\n")
    # The README: the shipped pipeline named once, one row a set, no confidence column; a link to the full tables.
    assert f"{START}\n| evaluated on | sentences | precision | recall | F1 (95% interval) |" in compact
    assert "| real: x.iob | 10 | 0.500 | 0.250 | 0.333 (0.100-0.520) | - |" in compact
    assert "| test (unseen names) | 10 | 0.500 | 0.250 | 0.333 | - |" in compact
    assert "| mountain-free: free.iob | 3000 | - | - | - | 18.0 (13.3-23.0) (54 found) |" in compact
    assert "Pipeline: `transformer + mountner` over tiny." in compact and "name_swap" not in compact and "at >= 0.9" not in compact
    assert "[docs/evaluation.md](docs/evaluation.md)" in compact
    text = docs.read_text()
    assert "old" not in text and text.endswith(f"{FULL_END}\nafter\n")
    assert "| transformer + mountner | tiny | real: x.iob | 10 | 0.500 | 0.250 | 0.333 (0.100-0.520) | 100% at >= 0.9, precision 0.750 | - |" in text
    assert "| transformer + mountner | tiny | test (unseen names) | 10 | 0.500 | 0.250 | 0.333 | 100% at >= 0.9, precision 0.750 | - |" in text
    assert "| transformer + mountner | tiny | mountain-free: free.iob | 3000 | - | - | - | - | 18.0 (13.3-23.0) (54 found) |" in text
    assert "| transformer + mountner | tiny | test (unseen names), sentences from name_swap | 4 | 1.000 | 0.750 | 0.857 | - | - |" in text


def test_the_compact_table_gives_each_other_pipeline_one_column(tmp_path):
    """The README names the shipped pipeline once; the built-in ner baseline is one column: its F1 on each set,
    its false names on the mountain-free file."""
    def metrics(path, pipeline, f1, fp_per_1000):
        scores = {"sentences": 10, "seqeval": {"precision": 0.5, "recall": 0.25, "f1": f1}}
        negatives = {"sentences": 3000, "false_positives": 54, "fp_per_1000": fp_per_1000}
        path.write_text(json.dumps({"meta": {"pipeline": pipeline, "encoder": {"used": "tiny"}},
                                    "results": {"test (unseen names)": scores, "real: x.iob": scores},
                                    "real_rate": {"negatives_file": "free.iob", "negatives": negatives}}))
        return path

    ours = metrics(tmp_path / "config.json", ["transformer", "mountner"], 0.75, 18.0)
    baseline = metrics(tmp_path / "ner_baseline.json", ["transformer", "ner"], 0.5, 21.0)
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n")
    assert script("results", "--readme", readme, "--docs", tmp_path / "absent.md", ours, baseline).returncode == 0
    text = readme.read_text()
    assert " | `ner` instead: F1 / false names |" in text.splitlines()[1]
    assert "| real: x.iob | 10 | 0.500 | 0.250 | 0.750 | - | 0.500 |" in text
    assert "| mountain-free: free.iob | 3000 | - | - | - | 18.0 (54 found) | 21.0 |" in text
    assert "`ner` instead: `transformer + ner` over the same encoder" in text and "absent.md" not in text


def test_the_benchmark_summary_is_the_speed_ratio():
    from mountner.benchmarks.inference import summary

    results = {"inference": {"en_mountner nlp.pipe": {"words_per_second": 6251.4, "batch_size": 64}, "hf-batched": {"words_per_second": 3139.0}},
               "speedup_vs_hf_batched": 6251.4 / 3139.0, "threads": 2, "machine": "x86_64, 2 cores", "n_texts": 1000, "source": "real.iob"}
    line = summary(results, "docs/scaling.md")
    assert "tags 6251 words/s: **1.99x** the batched Hugging Face token-classification pipeline" in line and "(3139 words/s)" in line
    assert line.endswith("[docs/scaling.md](docs/scaling.md).") and "\n" not in line


def test_a_readme_without_the_markers_is_one_clear_line_and_stays_as_it_was(tmp_path):
    metrics = tmp_path / "config.json"
    metrics.write_text(json.dumps({"meta": {"pipeline": ["mountner"], "encoder": {"used": "tiny"}}, "results": {}}))
    readme = tmp_path / "README.md"
    readme.write_text("# Title, no markers\n")
    result = script("results", "--readme", readme, "--docs", tmp_path / "absent.md", metrics, tmp_path / "missing.json")
    assert result.returncode != 0
    assert f"{readme} has no {START}" in result.stderr and "Traceback" not in result.stderr
    assert readme.read_text() == "# Title, no markers\n"
    # The docs page's markers are checked before either page is written.
    readme.write_text(f"{START}\nold\n{END}\n")
    docs = tmp_path / "evaluation.md"
    docs.write_text("# Evaluation, no markers\n")
    result = script("results", "--readme", readme, "--docs", docs, metrics)
    assert result.returncode != 0
    assert f"{docs} has no {FULL_START}" in result.stderr and "Traceback" not in result.stderr
    assert readme.read_text() == f"{START}\nold\n{END}\n" and docs.read_text() == "# Evaluation, no markers\n"


def test_gpu_benchmark_script_runs_on_the_cpu_with_a_tiny_encoder(trained, tmp_path):
    """The device run is one short try: check the script here first (tiny BERT, CPU, a few steps)."""
    from spacy.tokens import DocBin

    nlp, examples, _ = trained
    corpus = DocBin(docs=[eg.reference for eg in examples])
    corpus.to_disk(tmp_path / "train.spacy")
    (tmp_path / "names.txt").write_text("Mount Kenya\n")
    page = tmp_path / "scaling.md"
    page.write_text("<!-- benchmark-gpu:start -->\nold\n<!-- benchmark-gpu:end -->\n")
    output = tmp_path / "gpu.json"
    result = script(
        "benchmark-gpu", "--gpu-id", -1, "--size", "tiny", "--steps", 3, "--warmup", 1, "--batch-sizes", "2,8",
        "--train", tmp_path / "train.spacy", "--dev", tmp_path / "train.spacy", "--texts-source", tmp_path / "train.spacy",
        "--known-names", tmp_path / "names.txt", "--encoder-dir", tmp_path / "enc", "--output", output, "--docs", page,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(output.read_text())["runs"]["fp32"]
    assert run["train"]["steps"] == 3 and run["train"]["words_per_second"] > 0
    assert set(run["inference"]) == {"2", "8"} and all(r["texts"] == len(examples) for r in run["inference"].values())
    assert "old" in page.read_text()  # CPU checks never replace the docs page's GPU figures


def test_gpu_benchmark_names_a_missing_input(tmp_path):
    result = script("benchmark-gpu", "--gpu-id", -1, "--train", tmp_path / "absent.spacy", cwd=ROOT)
    assert result.returncode == 1 and "training DocBin not found" in result.stderr and "absent.spacy" in result.stderr


def write_package_inputs(tmp_path, results, skipped, used="sentence-transformers/all-MiniLM-L6-v2"):
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text(json.dumps({"lang": "en", "name": "pipeline", "version": "0.0.0", "performance": {"ents_f": 0.9}}))
    encoder = tmp_path / "mountner_encoder.json"
    encoder.write_text(json.dumps({"requested": "bert-base-cased", "used": used, "fallback": used != "bert-base-cased"}))
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"meta": {"pipeline": ["transformer", "mountner"], "encoder": {"used": used}, "skipped": skipped}, "results": results}))
    return model, encoder, metrics


def package_meta(tmp_path, model, encoder, metrics, *args):
    """The meta that `mountner package` ships, with its --generator, --llm-model and --generation-report given as in
    args (the report by default in tmp_path, absent unless the test writes it)."""
    options = {"--generator": "auto", "--llm-model": "gpt-4o-mini", "--generation-report": tmp_path / "openai_report.json",
               **dict(zip(args[::2], args[1::2]))}
    output = tmp_path / "meta.json"
    write_meta(model, encoder, metrics, output, "mountner", "0.1.0", Generator(options["--generator"]), options["--llm-model"],
               Path(options["--generation-report"]))
    return json.loads(output.read_text())


SCORES = {"sentences": 10, "gold_entities": 4, "predicted_entities": 4, "seqeval": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3}, "reliability": None}


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
    assert meta["mountner_prompt"] == {"version": "generate.v1", "report": str(report)}
    offline = package_meta(tmp_path, model, encoder, metrics, "--generator", "offline", "--generation-report", report)
    assert offline["mountner_prompt"]["version"] is None and "no prompt" in offline["mountner_prompt"]["note"]
    # the package command's default is where the generate step writes its report
    assert GENERATION_REPORT == DEFAULT_REPORT


def test_results_table_says_when_real_text_was_not_measured(tmp_path):
    skipped = [{"path": "../shared/data/fewnerd-mountain-dev.iob", "reason": "not found"}]
    _, _, metrics = write_package_inputs(tmp_path, {"test (unseen names)": SCORES}, skipped)
    readme, docs = tmp_path / "README.md", tmp_path / "evaluation.md"
    readme.write_text(f"{START}\n{END}\n")
    docs.write_text(f"{FULL_START}\n{FULL_END}\n")
    assert script("results", "--readme", readme, "--docs", docs, metrics).returncode == 0
    for page in (readme, docs):
        rows = [line for line in page.read_text().splitlines() if "| real text" in line]
        assert len(rows) == 1 and "not measured" in rows[0] and "fewnerd-mountain-dev.iob not found" in rows[0]


# Made-up sentences: a file with mountains and a mountain-free one, as evaluate's --iob and --negatives.
POSITIVE_IOB = "We\tO\nclimbed\tO\nMount\tB-MOUNTAIN\nKenya\tI-MOUNTAIN\n.\tO\n\nParis\tO\nis\tO\nbig\tO\n.\tO\n"
# The first sentence is one the tiny pipeline learnt as a mountain; here it is tagged O, so a false positive.
NEGATIVE_IOB = "We\tO\nclimbed\tO\nMount\tO\nKenya\tO\nin\tO\nMay\tO\n.\tO\n\nParis\tO\nis\tO\na\tO\ncity\tO\n.\tO\n\nThe\tO\ncat\tO\nsat\tO\n.\tO\n"


def test_precision_recall_curve_pools_both_files():
    from mountner.evaluation.scoring import precision_recall_curve

    positive = [(0.9, True), (0.6, True), (0.3, False)]
    negative = [0.95, 0.4, 0.2]
    points = {p["threshold"]: p for p in precision_recall_curve(positive, negative, gold_entities=4, negative_sentences=500, thresholds=[0.0, 0.5, 0.92])}
    assert points[0.0]["entities"] == 6 and points[0.0]["precision"] == 2 / 6 and points[0.0]["recall"] == 0.5
    assert points[0.0]["fp_per_1000"] == 6.0
    assert points[0.5]["entities"] == 3 and points[0.5]["precision"] == 2 / 3 and points[0.5]["fp_per_1000"] == 2.0
    assert points[0.92]["correct"] == 0 and points[0.92]["precision"] == 0.0 and points[0.92]["recall"] == 0.0


def test_sentence_counts_add_up_to_seqeval_strict_scores():
    from mountner.evaluation.scoring import STRICT_IOB2, seqeval_prf, sentence_entity_counts
    from seqeval.metrics import precision_score

    gold = [["B-MOUNTAIN", "I-MOUNTAIN", "O"], ["O", "B-MOUNTAIN"], ["B-MOUNTAIN", "B-MOUNTAIN"], ["O"]]
    # a stray I- is no entity under strict IOB2; a wrong boundary is one false and one missed entity
    pred = [["B-MOUNTAIN", "I-MOUNTAIN", "O"], ["O", "I-MOUNTAIN"], ["B-MOUNTAIN", "I-MOUNTAIN"], ["B-MOUNTAIN"]]
    counts = sentence_entity_counts(gold, pred)
    assert counts.tolist() == [[1, 1, 1], [0, 0, 1], [0, 1, 2], [0, 1, 0]]
    right, predicted, found = counts.sum(axis=0)
    scores = seqeval_prf(gold, pred)
    assert right / predicted == scores["precision"] == precision_score(gold, pred, **STRICT_IOB2)
    assert right / found == scores["recall"]


def test_bootstrap_intervals_hold_the_score_and_narrow_with_more_sentences():
    from mountner.evaluation.intervals import prf_intervals
    from mountner.evaluation.scoring import sentence_entity_counts, seqeval_prf

    gold = [["B-MOUNTAIN", "O"], ["O", "B-MOUNTAIN"], ["B-MOUNTAIN", "I-MOUNTAIN"], ["O", "O"], ["B-MOUNTAIN", "O"]]
    pred = [["B-MOUNTAIN", "O"], ["O", "O"], ["B-MOUNTAIN", "I-MOUNTAIN"], ["B-MOUNTAIN", "O"], ["B-MOUNTAIN", "O"]]
    small = prf_intervals(sentence_entity_counts(gold, pred))
    large = prf_intervals(sentence_entity_counts(gold * 40, pred * 40))
    scores = seqeval_prf(gold, pred)
    for name in ("precision", "recall", "f1"):
        assert small[name][0] <= scores[name] <= small[name][1]
        assert large[name][0] <= scores[name] <= large[name][1]
        assert large[name][1] - large[name][0] < (small[name][1] - small[name][0]) / 2
    assert prf_intervals(sentence_entity_counts(gold, pred)) == small  # a fixed seed: the same interval on every run


def test_evaluate_counts_false_positives_on_mountain_free_text_and_draws_the_curve(trained, tmp_path):
    nlp, _, model = trained
    (tmp_path / "pos.iob").write_text(POSITIVE_IOB)
    (tmp_path / "neg.iob").write_text(NEGATIVE_IOB)
    output, plot = tmp_path / "m.json", tmp_path / "pr.png"
    result = script("evaluate", model, "--output", output, "--test", tmp_path / "none.spacy", "--dev", tmp_path / "none.spacy",
                    "--iob", tmp_path / "pos.iob", "--negatives", tmp_path / "neg.iob", "--pr-plot", plot)
    assert result.returncode == 0, result.stderr
    rate = json.loads(output.read_text())["real_rate"]
    neg = rate["negatives"]
    expected = sum(len(doc.ents) for doc in nlp.pipe(["We climbed Mount Kenya in May .", "Paris is a city .", "The cat sat ."]))
    assert neg["sentences"] == 3 and neg["false_positives"] == expected >= 1
    assert neg["fp_per_1000"] == 1000 * expected / 3
    low, high = neg["fp_per_1000_ci95"]
    assert 0 <= low <= neg["fp_per_1000"] <= high <= 1000 * expected and "95% interval" in result.stdout
    sources = [e._.mountner_source for doc in nlp.pipe(["We climbed Mount Kenya in May .", "Paris is a city .", "The cat sat ."]) for e in doc.ents]
    assert neg["false_positives_by_source"] == dict(Counter(sources))
    assert f"{neg['false_positives']} false mountains in 3 sentences" in result.stdout
    assert rate["pooled"] == {"files": ["real: pos.iob", "neg.iob"], "sentences": 5, "gold_entities": 1}
    curve = rate["pr_curve"]
    assert [p["threshold"] for p in curve] == sorted(p["threshold"] for p in curve)
    assert all(a["entities"] >= b["entities"] for a, b in zip(curve, curve[1:]))
    assert curve[0]["threshold"] == 0.0 and curve[0]["fp_per_1000"] == neg["fp_per_1000"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and rate["plot"] == str(plot)
    # per-sentence counts for paired comparisons: one row a sentence, adding up to the file's totals
    written = json.loads(output.read_text())
    real, per_sentence = written["results"]["real: pos.iob"], written["per_sentence"]
    assert list(written) == ["meta", "results", "real_rate", "per_sentence"]  # the long lists last
    rows = per_sentence["real: pos.iob"]["right_predicted_gold"]
    assert len(rows) == real["sentences"] == 2 and [sum(col) for col in zip(*rows)][1:] == [real["predicted_entities"], real["gold_entities"]]
    free = ["We climbed Mount Kenya in May .", "Paris is a city .", "The cat sat ."]
    assert per_sentence["mountain-free: neg.iob"]["false_positives"] == [len(d.ents) for d in nlp.pipe(free)]
    # the same model against itself: every difference is zero, and both files are compared
    result = script("compare", output, output, "--output", tmp_path / "self.json")
    assert result.returncode == 0, result.stderr
    compared = json.loads((tmp_path / "self.json").read_text())["compared"]
    assert set(compared) == {"real: pos.iob", "mountain-free: neg.iob"}
    assert all(row["difference"] == 0 and row["difference_ci95"] == [0, 0] for metrics in compared.values() for row in metrics.values())


def test_evaluate_skips_a_missing_mountain_free_file_and_refuses_one_with_mountains(trained, tmp_path):
    _, _, model = trained
    (tmp_path / "pos.iob").write_text(POSITIVE_IOB)
    output = tmp_path / "m.json"
    args = ["--output", output, "--test", tmp_path / "none.spacy", "--dev", tmp_path / "none.spacy", "--iob", tmp_path / "pos.iob"]
    result = script("evaluate", model, *args, "--negatives", tmp_path / "absent.iob")
    assert result.returncode == 0, result.stderr
    assert f"skipped {tmp_path / 'absent.iob'}: not found" in result.stdout
    metrics = json.loads(output.read_text())
    assert "real_rate" not in metrics and metrics["meta"]["skipped"] == [{"path": str(tmp_path / "absent.iob"), "reason": "not found", "kind": "mountain-free"}]
    result = script("evaluate", model, *args, "--negatives", tmp_path / "pos.iob")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"evaluate: --negatives {tmp_path / 'pos.iob'}:1: this sentence has a mountain tag; "
                                     "give a file of sentences that name no mountain")


REAL_RATE = {
    "negatives_file": "neg.iob",
    "negatives": {"sentences": 400, "false_positives": 6, "fp_per_1000": 15.0, "fp_per_1000_ci95": [5.04, 27.5], "sentences_with_false_positive": 5},
    "pooled": {"files": ["real: x.iob", "neg.iob"], "sentences": 410, "gold_entities": 4},
    "pr_curve": [
        {"threshold": 0.0, "entities": 10, "correct": 2, "precision": 0.2, "recall": 0.5, "f1": 0.286, "fp_per_1000": 15.0},
        {"threshold": 0.5, "entities": 3, "correct": 2, "precision": 2 / 3, "recall": 0.5, "f1": 0.571, "fp_per_1000": 2.5},
    ],
    "plot": None,
}


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


def test_results_table_shows_false_positives_per_1000_and_the_curve(tmp_path):
    _, _, metrics = write_package_inputs(tmp_path, {"real: x.iob": SCORES}, [])
    plot = tmp_path / "metrics" / "pr.png"
    plot.parent.mkdir()
    plot.write_bytes(b"\x89PNG fake")
    data = json.loads(metrics.read_text())
    encoder = {"used": "some/MiniLM", "fallback": True, "layers": 4}  # a fallback cut to its first layers says so
    metrics.write_text(json.dumps({**data, "meta": {**data["meta"], "encoder": encoder}, "real_rate": {**REAL_RATE, "plot": str(plot)}}))
    readme, docs = tmp_path / "README.md", tmp_path / "evaluation.md"
    readme.write_text(f"{START}\n{END}\n")
    docs.write_text(f"{FULL_START}\n{FULL_END}\n")
    result = script("results", "--readme", readme, "--docs", docs, "--figure", tmp_path / "docs" / "pr.png", metrics)
    assert result.returncode == 0, result.stderr
    assert "| mountain-free: neg.iob | 400 | - | - | - | 15.0 (5.0-27.5) (6 found) |" in readme.read_text()
    text = docs.read_text()  # the figure's link is relative to the page that shows it
    assert "| some/MiniLM (first 4 layers) | mountain-free: neg.iob | 400 | - | - | - | - | 15.0 (5.0-27.5) (6 found) |" in text
    assert (tmp_path / "docs" / "pr.png").read_bytes() == plot.read_bytes() and "](docs/pr.png)" in text
    assert "| 0.5 | 0.667 | 0.500 | 2.5 |" in text


def test_test_split_is_scored_by_origin_of_its_sentences():
    """Generated sentences and real prose are different tests: scores_by_origin scores each apart."""
    from spacy.training import Example

    from mountner.evaluation.scoring import scores_by_origin, tags_from_doc

    nlp = spacy.blank("en")

    def example(text, gold, predicted, origin):
        reference, prediction = nlp.make_doc(text), nlp.make_doc(text)
        reference.set_ents([reference.char_span(*span, label="MOUNTAIN") for span in gold])
        prediction.set_ents([prediction.char_span(*span, label="MOUNTAIN") for span in predicted])
        if origin:
            reference.user_data["origin"] = origin
        return Example(prediction, reference)

    text = "We climbed Mount Hood and K2 ."
    hood, k2 = (11, 21), (26, 28)
    examples = [example(text, [hood, k2], [hood, k2], "template"), example(text, [hood, k2], [hood], "name_swap"),
                example(text, [hood, k2], [hood], "name_swap"), example(text, [hood], [], None)]
    by_origin = scores_by_origin(examples, [tags_from_doc(eg.reference) for eg in examples], [tags_from_doc(eg.predicted) for eg in examples])
    assert set(by_origin) == {"template", "name_swap"}  # a sentence without an origin is in no group
    assert by_origin["template"]["f1"] == 1.0 and by_origin["template"]["sentences"] == 1
    swapped = by_origin["name_swap"]
    assert (swapped["sentences"], swapped["gold_entities"], swapped["predicted_entities"]) == (2, 4, 2)
    assert (swapped["precision"], swapped["recall"]) == (1.0, 0.5)


def test_missed_names_are_banded_by_the_taggers_name_probability():
    """A name missed whole is banded by 1 - P(O) at its likeliest token; a wrong boundary and a pipeline
    without the tagger's probabilities give no band."""
    from spacy.training import Example

    from mountner.evaluation.scoring import error_analysis
    from mountner.pipeline.extensions import install_extensions

    install_extensions()  # doc._.mountner_probs

    nlp = spacy.blank("en")
    text = "We climbed Mount Hood and K2 ."
    hood, k2 = (11, 21), (26, 28)

    def example(predicted, probs):
        reference, prediction = nlp.make_doc(text), nlp.make_doc(text)
        reference.set_ents([reference.char_span(*hood, label="MOUNTAIN"), reference.char_span(*k2, label="MOUNTAIN")])
        prediction.set_ents([prediction.char_span(*span, label="MOUNTAIN") for span in predicted])
        prediction._.mountner_probs = probs
        return Example(prediction, reference)

    # P(O) of each token: "Mount" 0.98 and "Hood" 0.9995 (missed, best 0.02), "K2" 0.4 (missed, 0.6).
    missed_both = example([], [0.99, 0.99, 0.98, 0.9995, 0.99, 0.4, 0.99])
    # "Hood" alone predicted: a wrong boundary, not banded; K2 missed at 1 - 0.9999.
    boundary = example([(17, 21)], [0.99, 0.99, 0.7, 0.9, 0.99, 0.9999, 0.99])
    bands = error_analysis([missed_both, boundary])["missed_by_tagger_probability"]
    assert bands == {"0-0.001": 1, "0.001-0.01": 0, "0.01-0.1": 1, "0.1-0.5": 0, "0.5-1": 1}
    assert error_analysis([example([], None)])["missed_by_tagger_probability"] == {}
