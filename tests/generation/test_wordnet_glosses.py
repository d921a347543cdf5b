import spacy

from mountner.generation.real_prose.wordnet_glosses import as_sentence, extract, tag_sentences


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
    assert as_sentence('he said, "we start at dawn."') == 'He said, "we start at dawn."'  # no second full stop after the quote
    tagged = [(w, t) for w, t in zip(sentence["tokens"], sentence["tags"]) if t != "O"]
    assert tagged == [("San", "B-MOUNTAIN"), ("Juan", "I-MOUNTAIN"), ("Mountains", "I-MOUNTAIN")]
    assert sentence["tokens"] == [t.text for t in spacy.blank("en")(sentence["text"])]
    assert len(sentence["pos"]) == len(sentence["tokens"])


def test_instances_become_sentences_with_the_mountain_name_tagged(tmp_path):
    from mountner.data.build_gazetteer import ROOTS

    from mountner.generation.real_prose.wordnet_glosses import extract_instances, sample

    lines = [f"{offset} 17 n 01 {kind} 0 000 | a kind of elevation" for offset, kind in ROOTS.items()]
    lines.append("09000010 15 n 01 Mount_Foo 0 001 @i 09359803 n 0000 | a mountain in the Bar Range of Baz")
    lines.append("09000011 15 n 01 Quux 0 001 @i 08000000 n 0000 | a city in Baz on the Bar River")
    lines.append("08000000 15 n 01 city 0 000 | a large town")
    data = tmp_path / "data.noun"
    data.write_text("\n".join(lines) + "\n", encoding="latin-1")
    rows = extract_instances(data)
    assert rows == [("Mount Foo is a mountain in the Bar Range of Baz.", "0:9"), ("Quux is a city in Baz on the Bar River.", "")]
    glosses, instances = tmp_path / "glosses.txt", tmp_path / "instances.tsv"
    glosses.write_text("")
    instances.write_text("".join(f"{t}\t{s}\n" for t, s in rows))
    tagged = {s["text"]: [w for w, t in zip(s["tokens"], s["tags"]) if t != "O"] for s in sample(5, 0, ["Bar Range"], glosses, instances)}
    assert tagged == {"Mount Foo is a mountain in the Bar Range of Baz.": ["Mount", "Foo", "Bar", "Range"], "Quux is a city in Baz on the Bar River.": []}


def _tagged(sentence):
    return [w for w, t in zip(sentence["tokens"], sentence["tags"]) if t != "O"]


def test_a_known_name_grows_over_the_capitalised_generic_heads_beside_it():
    heads = {"Mountains", "Range", "Mount"}
    [plain, both] = tag_sentences(["the road crosses the Quarn Mountains in winter", "from Mount Quarn Range to the sea"], ["Quarn"], generic_heads=heads)
    assert _tagged(plain) == ["Quarn", "Mountains"]
    assert _tagged(both) == ["Mount", "Quarn", "Range"]
    # Lower-case type words stay outside, as the guideline has it.
    [lower] = tag_sentences(["the road crosses the Quarn mountains in winter"], ["Quarn"], generic_heads=heads)
    assert _tagged(lower) == ["Quarn"]


def test_a_known_name_inside_a_longer_capitalised_name_leaves_the_sentence_out_and_is_counted():
    from collections import Counter

    dropped = Counter()
    kept = tag_sentences(
        ["it is part of the South Quarn region", "the Quarn Group bought a bank", "In Quarn the snow came early", "Visitors often see Quarn from the lake"],
        ["Quarn"], generic_heads={"Mountains"}, dropped=dropped,
    )
    # A sentence's first word and a function word do not join a name; another capitalised word does.
    assert [_tagged(s) for s in kept] == [["Quarn"], ["Quarn"]]
    assert dropped == Counter({"known_name_inside_longer_name": 2})


def test_a_national_adjective_before_a_known_range_stays_outside_it():
    from collections import Counter

    dropped = Counter()
    [kept] = tag_sentences(["we spent the winter in the Zornish Quarn Alps"], ["Quarn Alps"], generic_heads={"Alps"},
                           dropped=dropped, outside_before={"Zornish"})
    assert _tagged(kept) == ["Quarn", "Alps"] and not dropped  # the Zornish [Quarn Alps]
    assert tag_sentences(["we spent the winter in the Zornish Quarn Alps"], ["Quarn Alps"], generic_heads={"Alps"}) == []


def test_national_adjectives_come_from_the_lexicon():
    from mountner.generation.real_prose.common import national_adjectives

    adjectives = national_adjectives()
    assert {"Swiss", "Canadian"} <= adjectives and "adjective" not in adjectives
