"""Mention replacement: real sentences that name a mountain come back with other names of the same shape."""
from collections import Counter

import spacy
from spacy.tokens import Doc

from mountner.generation.name_swap import name_kind, swap_once, swapped_copies
from mountner.generation.real_prose.wordnet_glosses import tag_sentences

# Invented sentences stand in for the real prose (never the evaluation files).
NAMES = ["Quxberg", "Baz Mountains", "Mount Zorn"]


def tagged(row):
    return [w for w, t in zip(row["tokens"], row["tags"]) if t != "O"]


def test_name_kind_keeps_the_shape_of_the_name():
    assert name_kind("Quxberg", {"Mountains"}) == "bare"
    assert name_kind("Baz Mountains", {"Mountains"}) == "group"
    assert name_kind("Mount Zorn", {"Mountains"}) == "single"


def test_every_mountain_is_replaced_and_tagged_and_the_rest_of_the_sentence_kept():
    row, = tag_sentences(["Quxberg rises (2,100 m) above the Baz Mountains, west of Barville."], NAMES)
    assert tagged(row) == ["Quxberg", "Baz", "Mountains"]
    new_names = iter(["Hollow Peak", "Teller Range"])
    copy, reason = swap_once(row, lambda old: next(new_names), spacy.blank("en").make_doc)
    assert reason == ""
    # Replaced from the right: the last mention gets the first name drawn.
    assert copy["text"] == "Teller Range rises (2,100 m) above the Hollow Peak, west of Barville."
    assert tagged(copy) == ["Teller", "Range", "Hollow", "Peak"]
    assert copy["tags"][:3] == ["B-MOUNTAIN", "I-MOUNTAIN", "O"]
    assert len(copy["pos"]) == len(copy["tokens"])


def test_a_name_that_does_not_fall_on_token_boundaries_leaves_the_copy_out_with_its_reason():
    row, = tag_sentences(["Mount Zorn is high."], NAMES)
    vocab = spacy.blank("en").vocab
    one_token = lambda text: Doc(vocab, words=[text], spaces=[False])  # noqa: E731 (a tokenizer that never splits)
    assert swap_once(row, lambda old: "Zorn", one_token) == (None, "name_not_on_token_boundaries")


def test_copies_come_only_from_sentences_with_a_mountain_and_depend_on_the_seed():
    rows = tag_sentences(["Quxberg rises above the plain.", "Barville is a town by the sea.",
                          "The climbers reached Mount Zorn at dawn."], NAMES)
    dropped = Counter()
    copies = swapped_copies(rows, 3, seed=1, dropped=dropped)
    assert len(copies) + sum(dropped.values()) == 6
    assert all(len(tagged(c)) >= 1 for c in copies)
    assert not any("Barville" in c["text"] for c in copies)
    assert [c["text"] for c in copies] == [c["text"] for c in swapped_copies(rows, 3, seed=1)]
    assert swapped_copies(rows, 0, seed=1) == []
