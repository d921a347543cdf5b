import spacy

from wordnet_glosses import as_sentence, extract, tag_sentences


def test_extract_keeps_glosses_and_examples_with_names(tmp_path):
    data = tmp_path / "data.noun"
    data.write_text(
        "  1 This software and database is being provided\n"
        "09000001 15 n 01 alpha 0 000 | a town in western Colorado in the San Juan Mountains; \"the skiers reached Telluride at noon\"\n"
        "09000002 15 n 01 beta 0 000 | a small mountain stream with no name at all\n"
        "09000003 15 n 01 gamma 0 000 | a town in western Colorado in the San Juan Mountains\n",
        encoding="latin-1",
    )
    assert extract(data) == ["a town in western Colorado in the San Juan Mountains", "the skiers reached Telluride at noon"]


def test_gazetteer_mountains_are_tagged_with_the_longest_match():
    [sentence] = tag_sentences(["a town in western Colorado in the San Juan Mountains"], ["San Juan Mountains", "San Juan", "Colorado Peak"])
    assert sentence["text"] == as_sentence("a town in western Colorado in the San Juan Mountains") == "A town in western Colorado in the San Juan Mountains."
    tagged = [(w, t) for w, t in zip(sentence["tokens"], sentence["tags"]) if t != "O"]
    assert tagged == [("San", "B-MOUNTAIN"), ("Juan", "I-MOUNTAIN"), ("Mountains", "I-MOUNTAIN")]
    assert sentence["tokens"] == [t.text for t in spacy.blank("en")(sentence["text"])]
    assert len(sentence["pos"]) == len(sentence["tokens"])
