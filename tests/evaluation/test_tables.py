"""results: the README's compact table, the docs page's full tables, and the benchmark summary line."""
import json

from mountner.evaluation.tables import END, FULL_END, FULL_START, START

from conftest import REAL_RATE, SCORES, script, write_package_inputs


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


def test_each_absent_real_file_gets_its_own_row_beside_the_measured_ones(tmp_path):
    skipped = [{"path": "data/ood.iob", "reason": "not found"}]
    _, _, metrics = write_package_inputs(tmp_path, {"real: wiki.iob": SCORES, "real: wiki.guideline.iob": SCORES}, skipped)
    readme, docs = tmp_path / "README.md", tmp_path / "evaluation.md"
    readme.write_text(f"{START}\n{END}\n")
    docs.write_text(f"{FULL_START}\n{FULL_END}\n")
    assert script("results", "--readme", readme, "--docs", docs, metrics).returncode == 0
    for page in (readme, docs):
        text = page.read_text()
        assert "real: wiki.iob |" in text and "real: wiki.guideline.iob |" in text
        rows = [line for line in text.splitlines() if "| real text" in line]
        assert len(rows) == 1 and "not measured" in rows[0] and "data/ood.iob not found" in rows[0]
