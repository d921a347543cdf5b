"""compare_models: paired bootstrap intervals of the difference between two models on the same sentences."""
import json

import numpy
import pytest
from mountner.evaluation.compare import MetricsError, compare, paired_prf, paired_rate
from mountner.evaluation.intervals import prf_intervals
from conftest import script


def counts(rows):
    return numpy.array(rows, dtype="int64")


def test_a_small_difference_on_shared_sentences_is_told_apart_where_separate_intervals_overlap():
    rng = numpy.random.default_rng(1)
    gold = rng.integers(0, 3, 400)
    a = numpy.stack([gold // 2, gold // 2 + (rng.random(400) < 0.1), gold], axis=1)  # finds about half, a few false
    b = a.copy()
    better = numpy.flatnonzero(gold - a[:, 0] > 0)[:12]  # B finds one more name in 12 sentences
    b[better, 0] += 1
    b[better, 1] += 1
    paired = paired_prf(a, b)
    low, high = paired["recall"]["difference_ci95"]
    assert paired["recall"]["difference"] == pytest.approx(12 / gold.sum())
    assert 0 < low <= paired["recall"]["difference"] <= high and paired["recall"]["share_b_higher"] == 1.0
    # evaluate's two separate intervals overlap: on their own they could not tell the models apart
    separate_a, separate_b = prf_intervals(a)["recall"], prf_intervals(b)["recall"]
    assert separate_b[0] < separate_a[1]
    assert high - low < separate_a[1] - separate_a[0]


def test_identical_models_differ_by_nothing_and_a_rate_difference_has_its_sign():
    a = counts([[1, 1, 1], [0, 1, 0], [0, 0, 1]])
    same = paired_prf(a, a)
    assert all(row["difference"] == 0 and row["difference_ci95"] == [0, 0] and row["share_b_higher"] == 0 for row in same.values())
    rate = paired_rate(numpy.array([1, 0, 0, 2]), numpy.array([0, 0, 0, 1]))
    assert rate["a"] == 750 and rate["b"] == 250 and rate["difference"] == -500
    assert rate["difference_ci95"][1] <= 0


def test_different_gold_per_sentence_is_refused():
    with pytest.raises(MetricsError, match="different gold entities"):
        paired_prf(counts([[1, 1, 1]]), counts([[1, 1, 2]]))


def metrics(path, fingerprint="abc", rows=((1, 1, 1), (0, 1, 0)), per_sentence=True, false_positives=(0, 1, 0)):
    """A metrics file as evaluate writes it: one real file and a mountain-free one, with or without per-sentence counts."""
    counts = {"mountain-free: neg.iob": {"sentences_sha1": "neg", "false_positives": list(false_positives)}}
    if per_sentence:
        counts["real: x.iob"] = {"sentences_sha1": fingerprint, "right_predicted_gold": [list(r) for r in rows]}
    path.write_text(json.dumps({"results": {"real: x.iob": {"sentences": len(rows)}}, "real_rate": {"negatives_file": "neg.iob"},
                                "per_sentence": counts}))
    return path


def test_results_on_other_sentences_or_without_counts_are_not_compared_and_say_why(tmp_path):
    a = metrics(tmp_path / "a.json")
    other = compare(a, metrics(tmp_path / "b.json", fingerprint="xyz"))
    assert list(other["compared"]) == ["mountain-free: neg.iob"]
    assert other["not_compared"] == [{"result": "real: x.iob", "reason": "scored on different sentences (another split or file)"}]
    old = compare(a, metrics(tmp_path / "c.json", per_sentence=False))
    assert old["not_compared"][0]["reason"].startswith("no per-sentence counts")
    empty = compare(metrics(tmp_path / "d.json", false_positives=()), metrics(tmp_path / "e.json", false_positives=()))
    assert {"result": "mountain-free: neg.iob", "reason": "no sentences"} in empty["not_compared"]


def test_the_cli_names_a_broken_file_and_refuses_when_nothing_can_be_compared(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    a = metrics(tmp_path / "a.json")
    result = script("compare", a, tmp_path / "broken.json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"compare_models: {tmp_path / 'broken.json'}: not a metrics JSON")
    (tmp_path / "empty.json").write_text(json.dumps({"results": {}}))
    result = script("compare", a, tmp_path / "empty.json")
    assert result.returncode == 1 and "nothing to compare" in result.stderr and "Traceback" not in result.stderr
    bad = json.loads(a.read_text())
    bad["per_sentence"]["real: x.iob"]["right_predicted_gold"] = [1, 1]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = script("compare", a, tmp_path / "bad.json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"compare_models: {tmp_path / 'bad.json'}: per_sentence['real: x.iob'].right_predicted_gold has shape (2,)")
    result = script("compare", a, metrics(tmp_path / "b.json", rows=((1, 1, 1), (0, 0, 0))), "--output", tmp_path / "out.json")
    assert result.returncode == 0, result.stderr
    assert "real: x.iob" in result.stdout and "precision" in result.stdout
    assert json.loads((tmp_path / "out.json").read_text())["compared"]["real: x.iob"]["precision"]["difference"] == pytest.approx(0.5)


def test_the_results_table_shows_the_paired_differences_when_given(tmp_path):
    from mountner.evaluation.tables import END, FULL_END, FULL_START, START

    a, b = metrics(tmp_path / "a.json"), metrics(tmp_path / "b.json", rows=((1, 1, 1), (0, 0, 0)), false_positives=(0, 0, 0))
    assert script("compare", a, b, "--output", tmp_path / "pairs.json").returncode == 0
    table_input = tmp_path / "config.json"
    table_input.write_text(json.dumps({"meta": {"pipeline": ["mountner"], "encoder": {"used": "tiny"}}, "results": {}}))
    readme, docs = tmp_path / "README.md", tmp_path / "evaluation.md"
    readme.write_text(f"{START}\n{END}\n")
    docs.write_text(f"{FULL_START}\n{FULL_END}\n")
    result = script("results", "--readme", readme, "--docs", docs, "--paired", tmp_path / "pairs.json", table_input)
    assert result.returncode == 0, result.stderr
    assert "Paired differences" not in readme.read_text()  # the full tables' page holds them
    text = docs.read_text()
    assert f"B = `{b}` minus A = `{a}`" in text
    assert "| real: x.iob | precision | 0.500 | 1.000 | +0.500 (" in text
    assert "| mountain-free: neg.iob | false names per 1,000 | 333.3 | 0.0 | -333.3 (" in text
    # absent (as before the compare workflow ran): the table is written without it
    assert script("results", "--readme", readme, "--docs", docs, "--paired", tmp_path / "absent.json", table_input).returncode == 0
    assert "Paired differences" not in docs.read_text()
    (tmp_path / "broken.json").write_text("{not json")
    result = script("results", "--readme", readme, "--docs", docs, "--paired", tmp_path / "broken.json", table_input)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"results_table: {tmp_path / 'broken.json'}: not a comparison that compare_models wrote")
