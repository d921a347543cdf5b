import math

import numpy
import pytest
import spacy
from thinc.api import registry

from mountner.pipeline.decoder import allowed_transitions, bio_tags, viterbi_decode


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


def test_tagger_multiplies_on_every_cpu_thread_and_scores_as_blis_does(trained):
    """On CPU the tagger's layers use numpy's threaded BLAS instead of thinc's single-threaded blis: the same
    arithmetic, so the scores agree with blis's to float precision."""
    from thinc.api import NumpyOps

    nlp, _, saved = trained
    reloaded = spacy.load(saved)
    model = reloaded.get_pipe("mountner").model
    assert all(type(node.ops) is NumpyOps and not node.ops.use_blis for node in model.walk())
    docs = [reloaded.make_doc(t) for t in ("Snow covered Mont Blanc and Monte Rosa.", "Ben Nevis")]
    for name, proc in reloaded.pipeline[:-1]:
        docs = list(proc.pipe(docs))
    threaded = model.predict(docs)
    blis = NumpyOps(use_blis=True)
    for node in model.walk():
        node.ops = blis
    assert all(numpy.allclose(a, b, atol=1e-5) for a, b in zip(threaded, model.predict(docs)))


def test_token_probabilities_live_in_one_list_per_doc_and_survive_a_docbin(trained):
    from spacy.tokens import DocBin

    nlp, _, _ = trained
    doc = nlp("We climbed Mount Kenya in May.")
    assert doc._.mountner_probs == [t._.mountner_prob for t in doc] and len(doc._.mountner_probs) == len(doc)
    restored = next(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))
    assert [t._.mountner_prob for t in restored] == doc._.mountner_probs
    # A doc no tagger has seen has no probabilities; a value can still be set per token.
    blank = nlp.make_doc("Ben Nevis")
    assert blank[0]._.mountner_prob is None
    blank[1]._.mountner_prob = 0.5
    assert blank._.mountner_probs == [None, 0.5]


def test_tagger_round_trips_through_disk(trained):
    nlp, _, saved = trained
    reloaded = spacy.load(saved)
    text = "Snow covered Mont Blanc and Monte Rosa."
    assert [(e.text, round(e._.confidence, 5)) for e in reloaded(text).ents] == [(e.text, round(e._.confidence, 5)) for e in nlp(text).ents]
    assert reloaded.get_pipe("mountner").labels == ("MOUNTAIN",)


def test_empty_texts_are_fine(trained):
    nlp, _, _ = trained
    assert [len(d.ents) for d in nlp.pipe(["", "   ", "Ben Nevis"])][:2] == [0, 0]


def test_gazetteer_marks_longest_exact_case_matches_and_round_trips(tmp_path):
    nlp = spacy.blank("en")
    gazetteer = nlp.add_pipe("mountner_gazetteer")
    gazetteer.set_names(["Mont Blanc", "Mont Blanc du Tacul", "Everest", "Mount Everest", "  "])
    doc = nlp("Mont Blanc du Tacul, Mount Everest, everest and the Everest Group.")
    assert [(s.start, s.end) for s in doc.spans["mountner_known"]] == [(0, 4), (5, 7), (11, 12)]
    copy = spacy.blank("en").add_pipe("mountner_gazetteer").from_bytes(gazetteer.to_bytes())
    assert copy.names == gazetteer.names == ["Everest", "Mont Blanc", "Mont Blanc du Tacul", "Mount Everest"]
    nlp.to_disk(tmp_path / "p")
    reloaded = spacy.load(tmp_path / "p")(doc.text)
    assert [(s.start, s.end) for s in reloaded.spans["mountner_known"]] == [(s.start, s.end) for s in doc.spans["mountner_known"]]
    names_file = tmp_path / "names.txt"
    names_file.write_text("Ben Nevis\nK2\n", encoding="utf8")
    gazetteer.initialize(names_file=str(names_file))
    assert gazetteer.names == ["Ben Nevis", "K2"] and not nlp("Mont Blanc").spans["mountner_known"]
    with pytest.raises(ValueError, match="absent.txt not found"):
        gazetteer.initialize(names_file=str(tmp_path / "absent.txt"))


def test_known_names_the_tagger_left_out_are_added_only_where_they_stand_alone(trained):
    nlp, _, _ = trained
    tagger = nlp.get_pipe("mountner")
    nlp.add_pipe("mountner_gazetteer", name="known_names", before="mountner").set_names(["Zugspitze", "Paris"])
    text = "Paris and Zugspitze, then the Zugspitze Hotel and Anna Zugspitze."
    try:
        tagger.decoder.known_name_min_prob = 0.0
        doc = nlp(text)
        source = {e.start: e._.mountner_source for e in doc.ents}
        assert 0 in source and 2 in source  # standing alone: the tagger's entity, or else the list's
        assert source.get(6, "tagger") == "tagger"  # never added inside "Zugspitze Hotel"
        assert source.get(10, "tagger") == "tagger"  # nor inside "Anna Zugspitze"
        probs = tagger.predict([doc])[0]
        for ent in doc.ents:
            if ent._.mountner_source == "known name":  # the tagger's own probability as confidence
                assert ent._.confidence == pytest.approx(probs[ent.start, tagger.tags.index("B-MOUNTAIN")])
                assert doc[ent.start]._.mountner_prob == pytest.approx(ent._.confidence)  # the per-word score agrees
        for floor in (1.01, None):  # no probability is that high; or the fallback is off
            tagger.decoder.known_name_min_prob = floor
            assert all(e._.mountner_source == "tagger" for e in nlp(text).ents)
    finally:
        tagger.decoder.known_name_min_prob = 0.0001
        nlp.remove_pipe("known_names")


def decoded(nlp, text, tags):
    """A doc that the mountner decoder annotated from made-up probabilities: 0.98 for each token's tag
    in tags ("O", "B", "I"), 0.01 for the others."""
    tagger = nlp.get_pipe("mountner")
    doc = nlp.make_doc(text)
    probs = numpy.full((len(doc), len(tagger.tags)), 0.01, dtype="f")
    for row, tag in enumerate(tags):
        probs[row, tagger.tags.index({"O": "O", "B": "B-MOUNTAIN", "I": "I-MOUNTAIN"}[tag])] = 0.98
    tagger.set_annotations([doc], [probs])
    return doc


def test_decoder_keeps_punctuation_and_whitespace_outside_a_name(trained):
    nlp, _, _ = trained

    def decode(text, tags):
        return [e.text for e in decoded(nlp, text, tags).ents]

    # "Mauna Loa () is": a bracket or a quote never ends a name
    assert decode("Mauna Loa () is high.", "BIIIOOO") == ["Mauna Loa"]
    assert decode('We saw "Ararat" today.', "OOOBIOO") == ["Ararat"]
    # nor does whitespace: a blank line does not join two names, nor is a blank a name
    assert decode("We saw Ararat \n\nElbrus today.", "OOBIBOO") == ["Ararat", "Elbrus"]
    assert decode("   ", "B") == []
    # The span is the tagger's: no rule trims lower-case words at its edges (measured: it did not pay).
    assert decode("They climbed Pic du Midi today.", "OOBIIOO") == ["Pic du Midi"]
    assert decode("In the western Harran Mountains snow fell.", "OOBIIOOO") == ["western Harran Mountains"]


def test_decoder_drops_a_name_that_starts_a_longer_capitalised_name(trained):
    nlp, _, _ = trained

    def decode(text, tags):
        doc = decoded(nlp, text, tags)
        return [e.text for e in doc.ents], [t._.mountner_prob for t in doc]

    # The tagger read "Sakuma" as a mountain but ended it before "Dam": the dam's name, not a mountain.
    ents, probs = decode("They visited the Sakuma Dam and the forests.", "OOOBOOOOO")
    assert ents == [] and probs[3] == pytest.approx(0.01)  # the per-word score is that of the final O
    assert decode("They visited Ararat and the forests.", "OOBOOOO")[0] == ["Ararat"]
    # months, weekdays and "I" are not parts of a longer name
    assert decode("We climbed Ararat May 29 and Elbrus Monday.", "OOBOOOBOO")[0] == ["Ararat", "Elbrus"]
    assert decode("Anna Tarrow of Harran donated Mount Keld Abbey to Orrin Friars.", "OOOOOBIOOOOO")[0] == []


def test_each_decoder_rule_can_be_switched_off_in_the_config(trained):
    nlp, _, _ = trained
    tagger = nlp.get_pipe("mountner")
    default = tagger.decoder
    cases = {  # rule: (text, tags, entities with the rule, entities without it)
        "mask_punctuation": ("Mauna Loa () is high.", "BIIIOOO", ["Mauna Loa"], ["Mauna Loa ()"]),
        "drop_before_capital": ("They visited the Sakuma Dam and the forests.", "OOOBOOOOO", [], ["Sakuma"]),
    }
    make = spacy.util.registry.misc.get("mountner.bio_decoder.v1")
    try:
        for rule, (text, tags, on, off) in cases.items():
            tagger.decoder = make()
            assert [e.text for e in decoded(nlp, text, tags).ents] == on, rule
            tagger.decoder = make(**{rule: False})
            assert [e.text for e in decoded(nlp, text, tags).ents] == off, rule
    finally:
        tagger.decoder = default
    # The factory has a default model and decoder: no hand-written config needed.
    blank = spacy.blank("en")
    blank.add_pipe("transformer")
    assert blank.add_pipe("mountner").decoder.known_name_min_prob == pytest.approx(0.0001)


def test_a_sentence_gets_one_answer_wherever_it_stands(trained):
    """The transformer reads each sentence on its own (training sees single sentences), so a sentence's tags
    and confidences do not depend on its neighbours or on where a window boundary falls."""
    nlp, _, _ = trained
    sentence = "We climbed Mount Kenya in May, then walked below Ben Nevis and the Alps before flying home. "
    alone = nlp(sentence.strip())
    doc = nlp(sentence * 60)
    n = len(alone)
    assert len(doc) == 60 * n
    copies = [doc[i * n:(i + 1) * n] for i in range(60)]
    expected = [round(t._.mountner_prob, 5) for t in alone]
    # What the tagger reads: the transformer's vectors pooled onto the tokens, then the whole tok2vec (form features
    # and the context layer, whose windows would otherwise reach into the neighbouring sentences).
    model = nlp.get_pipe("mountner").model
    transformer = next(node for node in model.walk() if node.name == "transformer-listener>>trfs2arrays")
    for layer in (transformer, model.get_ref("tok2vec")):
        vectors = layer.predict([doc])[0].reshape(60, n, -1)
        assert numpy.abs(vectors - layer.predict([alone])[0][None]).max() < 1e-5
    for copy in copies:
        assert [t.text for t in copy] == [t.text for t in alone]
        assert [round(t._.mountner_prob, 5) for t in copy] == expected
        assert [(e.start - copy.start, e.end - copy.start) for e in doc.ents if copy.start <= e.start < copy.end] == \
            [(e.start, e.end) for e in alone.ents]


def test_a_sentence_longer_than_the_window_is_read_in_overlapping_pieces():
    from spacy.util import registry as spacy_registry

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    get_spans = spacy_registry.span_getters.get("mountner.sentence_spans.v1")(max_length=10, stride=8)
    doc = nlp("One two three. " + " ".join(["word"] * 25) + ". Four five.")
    spans = get_spans([doc])[0]
    # Every token is read, short sentences whole, the long one in windows of at most 10 tokens.
    assert [s.text for s in spans][0] == "One two three."
    assert all(len(s) <= 10 for s in spans)
    covered = {i for s in spans for i in range(s.start, s.end)}
    assert covered == set(range(len(doc)))
    assert spans[-1].text == "Four five."
    # A doc without sentence boundaries (as in training) is read as one sentence.
    plain = spacy.blank("en")("Ben Nevis is high.")
    assert [s.text for s in get_spans([plain])[0]] == ["Ben Nevis is high."]


@pytest.mark.parametrize("width", [10, 24])
def test_context_encoder_takes_its_width_from_its_input_and_round_trips(width):
    """mountner.ContextEncoder.v1 sits on the joined encoder + form vectors, whose width depends on the
    encoder (384 for MiniLM, 768 for BERT): it must take it from its input, and load into a fresh copy."""
    make = spacy.registry.architectures.get("mountner.ContextEncoder.v1")
    rng = numpy.random.default_rng(0)
    X = [rng.random((5, width), dtype="float32"), rng.random((1, width), dtype="float32")]
    encoder = make(depth=2, window_size=1, maxout_pieces=3)
    encoder.initialize(X=X)
    Y = encoder.predict(X)
    assert [y.shape for y in Y] == [(5, width), (1, width)] and encoder.get_dim("nO") == width
    copy = make(depth=2, window_size=1, maxout_pieces=3).from_bytes(encoder.to_bytes())
    assert all(numpy.array_equal(a, b) for a, b in zip(copy.predict(X), Y))
    # a learnt layer, not the identity of the residual blocks
    assert not numpy.allclose(Y[0], X[0])


def test_narrow_context_encoder_projects_to_its_width_and_round_trips():
    """mountner.ContextEncoder.v2 projects the joined vectors (as wide as the encoder plus the form features)
    to its own width before the maxout blocks: the same config serves any encoder, at a cost set by `width`."""
    make = spacy.registry.architectures.get("mountner.ContextEncoder.v2")
    rng = numpy.random.default_rng(0)
    for input_width in (24, 40):
        X = [rng.random((5, input_width), dtype="float32"), rng.random((1, input_width), dtype="float32")]
        encoder = make(width=8, depth=1, window_size=1, maxout_pieces=3)
        encoder.initialize(X=X)
        Y = encoder.predict(X)
        assert [y.shape for y in Y] == [(5, 8), (1, 8)] and encoder.get_dim("nO") == 8
        copy = make(width=8, depth=1, window_size=1, maxout_pieces=3).from_bytes(encoder.to_bytes())
        assert all(numpy.array_equal(a, b) for a, b in zip(copy.predict(X), Y))
        # a word's vector depends on its neighbours' (the window), not on its own row alone
        changed = [X[0].copy(), X[1]]
        changed[0][0] += 1.0
        assert not numpy.allclose(encoder.predict(changed)[0][1], Y[0][1]) and numpy.allclose(encoder.predict(changed)[0][3], Y[0][3])


def test_cpu_mixed_precision_trains_the_encoder_in_bfloat16_and_keeps_float32_weights_and_predictions(trained):
    import spacy
    import torch
    from spacy.training import Example
    from thinc.api import Adam

    from mountner.benchmarks.gpu import train_step
    from mountner.pipeline.transformer import native_cpu_bf16

    if not native_cpu_bf16():
        pytest.skip("this CPU has no native bfloat16: the switch does nothing here")
    _, examples, model = trained
    for switch, update_dtype in ((False, torch.float32), (True, torch.bfloat16)):
        nlp = spacy.load(model, config={"components": {"transformer": {"cpu_mixed_precision": switch}}})
        encoder = nlp.get_pipe("transformer").model.layers[0].shims[0]._model
        linear = next(m for m in encoder.modules() if isinstance(m, torch.nn.Linear))
        seen = []
        linear.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
        before = linear.weight.detach().clone()
        optimizer = Adam(0.001)  # the config's schedule starts at rate 0 (warmup)
        # One step as spacy train takes it (nlp.update with sgd would apply this step's gradient at the next call).
        train_step(nlp, [Example(nlp.make_doc(eg.reference.text), eg.reference) for eg in examples], optimizer, 0.0, {})
        assert set(seen) == {update_dtype}
        assert linear.weight.dtype == torch.float32 and not torch.equal(linear.weight, before)
        seen.clear()
        doc = nlp("We climbed Mount Kenya in May.")
        assert set(seen) == {torch.float32}
        assert doc._.trf_data is not None
