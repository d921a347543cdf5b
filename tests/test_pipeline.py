import math
import random

import numpy
import pytest
import spacy
from spacy.training import Example
from thinc.api import registry

import mountner_pipeline  # registers the factory, architectures and schedule
from mountner_pipeline import allowed_transitions, bio_tags, viterbi_decode
from tiny_bert import build_tiny_bert

from conftest import ROOT


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


TRAIN = [
    ("We climbed Mount Kenya in May.", [(11, 22)]),
    ("The Alps and the Andes are ranges.", [(4, 8), (17, 22)]),
    ("Paris is a city in France.", []),
    ("Snow covered Mont Blanc and Monte Rosa.", [(13, 23), (28, 38)]),
    ("Mount Sinai Hospital is in New York.", []),
    ("Ben Nevis is in Scotland.", [(0, 9)]),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("tagger")
    encoder = build_tiny_bert([t for t, _ in TRAIN] * 5, path / "encoder")
    config = spacy.util.load_config(ROOT / "configs" / "config.cfg", overrides={
        "paths.encoder": str(encoder),
        "training.optimizer.learn_rate.warmup_steps": 5,
        "training.optimizer.learn_rate.initial_rate": 0.002,
        "training.max_steps": 60,
    }, interpolate=True)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    examples = []
    for text, spans in TRAIN:
        doc = nlp.make_doc(text)
        examples.append(Example.from_dict(doc, {"entities": [(s, e, "MOUNTAIN") for s, e in spans]}))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(60):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
        optimizer.step_schedules()  # spacy train does this after each step
    return nlp, examples, path


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
    nlp, _, path = trained
    nlp.to_disk(path / "model")
    reloaded = spacy.load(path / "model")
    text = "Snow covered Mont Blanc and Monte Rosa."
    assert [(e.text, round(e._.confidence, 5)) for e in reloaded(text).ents] == [(e.text, round(e._.confidence, 5)) for e in nlp(text).ents]
    assert reloaded.get_pipe("mountner").labels == ("MOUNTAIN",)


def test_empty_texts_are_fine(trained):
    nlp, _, _ = trained
    assert [len(d.ents) for d in nlp.pipe(["", "   ", "Ben Nevis"])][:2] == [0, 0]
