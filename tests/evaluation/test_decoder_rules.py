import json

import pytest
from spacy.tokens import DocBin

from mountner.evaluation import decoder_rules

from conftest import invoke


def test_decoder_rules_scores_every_variant_on_every_set(trained, tmp_path):
    nlp, examples, model = trained
    DocBin(docs=[eg.reference for eg in examples]).to_disk(tmp_path / "test.spacy")
    DocBin(docs=[eg.reference for eg in examples[:3]]).to_disk(tmp_path / "dev.spacy")
    iob = tmp_path / "real.iob"
    iob.write_text("We\tO\nsaw\tO\nBen\tB-MOUNTAIN\nNevis\tI-MOUNTAIN\n.\tO\n\nParis\tO\nis\tO\nbig\tO\n.\tO\n", encoding="utf8")
    negatives = tmp_path / "free.iob"
    negatives.write_text("Paris\tO\nis\tO\nbig\tO\n.\tO\n\nWe\tO\nsaw\tO\nBen\tO\nNevis\tO\n.\tO\n", encoding="utf8")
    page = tmp_path / "tagger.md"
    page.write_text(f"intro\n{decoder_rules.START}\nold\n{decoder_rules.END}\nrest\n", encoding="utf8")
    result = invoke("decoder-rules", *[
        str(model), "--test", str(tmp_path / "test.spacy"), "--dev", str(tmp_path / "dev.spacy"), "--iob", str(iob), "--negatives", str(negatives),
        "--output", str(tmp_path / "rules.json"), "--docs", str(page)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "rules.json").read_text(encoding="utf8"))
    variants = report["results"]
    assert len(variants) == 5 and "without drop_before_capital" in variants
    assert all(set(by_set) == {"test", "dev", "real", "mountain-free"} for by_set in variants.values())
    # "Ben Nevis" in the mountain-free file counts as a false name where the tagger finds it.
    free = variants["all rules (as configured)"]["mountain-free"]
    assert free["sentences"] == 2 and free["false_names"] >= 1 and free["fp_per_1000"] == 500 * free["false_names"]
    # The tiny tagger learnt its six sentences: as configured it finds every name in them.
    assert variants["all rules (as configured)"]["test"]["f1"] == 1.0
    assert report["variants"]["without known names"]["known_name_min_prob"] is None
    # each variant's change from the configured decoder, paired on the same sentences; none for that decoder itself
    configured, bare = variants["all rules (as configured)"], variants["Viterbi alone (no rule, no known names)"]
    assert configured["real"]["f1_change"] is None and configured["mountain-free"]["change"] is None
    change = bare["real"]["f1_change"]
    assert change["difference"] == pytest.approx(bare["real"]["f1"] - configured["real"]["f1"])
    assert change["difference_ci95"][0] <= change["difference"] <= change["difference_ci95"][1]
    assert bare["mountain-free"]["change"]["difference"] == pytest.approx(bare["mountain-free"]["fp_per_1000"] - free["fp_per_1000"])
    text = page.read_text(encoding="utf8")
    assert "old" not in text and "| without mask_punctuation |" in text and text.endswith("rest\n")
    # the paired change shows on every variant's real cells but the configured decoder's
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "; F1 " not in rows["all rules (as configured)"] and "; F1 " in rows["Viterbi alone (no rule, no known names)"]
    # The pipeline's own decoder is back as it was.
    assert nlp.get_pipe("mountner").decoder.drop_before_capital


def test_decoder_rules_says_when_the_model_is_missing(tmp_path):
    result = invoke("decoder-rules", *[str(tmp_path / "nope")])
    assert result.exit_code == 1 and "not found" in result.output
