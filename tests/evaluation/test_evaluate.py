"""evaluate: scores on IOB files and mountain-free text, the precision-recall curve, bootstrap intervals, error analysis."""
import json
from collections import Counter

import spacy

from conftest import script


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


def test_every_real_file_is_scored_and_the_curve_pools_only_the_first(trained, tmp_path):
    """Two files may hold the same sentences under two guidelines: each is scored, only the first is pooled."""
    _, _, model = trained
    (tmp_path / "pos.iob").write_text(POSITIVE_IOB)
    (tmp_path / "pos.relabelled.iob").write_text(POSITIVE_IOB.replace("Kenya\tI-MOUNTAIN", "Kenya\tO").replace("Mount\tB-MOUNTAIN", "Mount\tO"))
    (tmp_path / "neg.iob").write_text(NEGATIVE_IOB)
    output = tmp_path / "m.json"
    result = script("evaluate", model, "--output", output, "--test", tmp_path / "none.spacy", "--dev", tmp_path / "none.spacy",
                    "--iob", tmp_path / "pos.iob", "--iob", tmp_path / "pos.relabelled.iob", "--iob", tmp_path / "absent.iob",
                    "--negatives", tmp_path / "neg.iob")
    assert result.returncode == 0, result.stderr
    written = json.loads(output.read_text())
    assert written["results"]["real: pos.iob"]["gold_entities"] == 1 and written["results"]["real: pos.relabelled.iob"]["gold_entities"] == 0
    assert written["real_rate"]["pooled"] == {"files": ["real: pos.iob", "neg.iob"], "sentences": 5, "gold_entities": 1}
    assert [item["path"] for item in written["meta"]["skipped"]] == [str(tmp_path / "absent.iob")]
