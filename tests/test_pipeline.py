import math

import numpy
import pytest
import spacy
from thinc.api import registry

from mountner_pipeline import allowed_transitions, bio_tags, viterbi_decode


def test_warmup_cosine_rises_then_decays_to_the_floor():
    schedule = registry.schedules.get("mountner.warmup_cosine.v1")(initial_rate=1.0, warmup_steps=10, total_steps=110, min_rate=0.1)
    rates = [next(schedule) for _ in range(130)]
    assert rates[0] == 0.0 and rates[5] == pytest.approx(0.5) and rates[10] == pytest.approx(1.0)
    assert rates[60] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert all(a >= b for a, b in zip(rates[10:110], rates[11:111]))
    assert rates[110] == pytest.approx(0.1) and rates[129] == pytest.approx(0.1)


def test_viterbi_only_produces_well_formed_bio():
    tags = bio_tags(["MOUNTAIN"])
    allowed = allowed_transitions(tags)
    may_start = numpy.array([not t.startswith("I-") for t in tags])
    rng = numpy.random.default_rng(0)
    for _ in range(200):
        probs = rng.dirichlet(numpy.ones(len(tags)) * 0.3, size=int(rng.integers(1, 12)))
        path = [tags[i] for i in viterbi_decode(probs, allowed, may_start)]
        assert not path[0].startswith("I-")
        assert all(not (b.startswith("I-") and a == "O") for a, b in zip(path, path[1:]))
    # A lone I- with high probability after O is read as a B-: the best well-formed path.
    probs = numpy.array([[0.9, 0.05, 0.05], [0.1, 0.3, 0.6]])
    assert [tags[i] for i in viterbi_decode(probs, allowed, may_start)] == ["O", "B-MOUNTAIN"]


def test_tagger_learns_sets_ents_with_confidences_and_scores(trained):
    nlp, examples, _ = trained
    doc = nlp("We climbed Mount Kenya in May.")
    assert [(e.text, e.label_) for e in doc.ents] == [("Mount Kenya", "MOUNTAIN")]
    assert all(0.0 <= e._.confidence <= 1.0 for e in doc.ents)
    assert all(0.0 <= t._.mountner_prob <= 1.0 for t in doc)
    scores = nlp.evaluate(examples)
    assert scores["ents_f"] == pytest.approx(1.0)
    assert not nlp("Mount Sinai Hospital is in New York.").ents


def test_tagger_round_trips_through_disk(trained):
    nlp, _, saved = trained
    reloaded = spacy.load(saved)
    text = "Snow covered Mont Blanc and Monte Rosa."
    assert [(e.text, round(e._.confidence, 5)) for e in reloaded(text).ents] == [(e.text, round(e._.confidence, 5)) for e in nlp(text).ents]
    assert reloaded.get_pipe("mountner").labels == ("MOUNTAIN",)


def test_empty_texts_are_fine(trained):
    nlp, _, _ = trained
    assert [len(d.ents) for d in nlp.pipe(["", "   ", "Ben Nevis"])][:2] == [0, 0]
