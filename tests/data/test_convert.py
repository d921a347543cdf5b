import json
import re
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin

from mountner.data.bio import write_rows
from mountner.data.convert import assign_split, name_split
from mountner.data.corpus_io import name_key
from mountner.data.corpus_io import DataError, Sentence, doc_to_word_tags, read_iob, read_seed_csv, read_sentences, read_word_rows, words_to_doc

from conftest import ROOT, invoke


def sentence(text, tokens, tags):
    return {"text": text, "tokens": tokens, "pos": ["X"] * len(tokens), "tags": tags}


@pytest.fixture
def nlp():
    return spacy.blank("en")


def test_entities_follow_character_offsets_onto_spacy_tokens(nlp):
    # An entity ending inside one of spaCy's tokens ("Hoodtop") cannot align: counted, not kept.
    s = Sentence("Mount Hoodtop", ["Mount", "Hood", "top"], ["B-MOUNTAIN", "I-MOUNTAIN", "O"], "x:1")
    doc, misaligned = words_to_doc(nlp, s)
    assert doc is None and misaligned == 1
    # Words and spaCy tokens may differ ("summit." vs "summit", "."); offsets carry the entity across.
    s = Sentence("We reached Kilimanjaro's summit.", ["We", "reached", "Kilimanjaro", "'s", "summit", "."], ["O", "O", "B-MOUNTAIN", "O", "O", "O"], "x:1")
    doc, misaligned = words_to_doc(nlp, s)
    assert misaligned == 0
    assert [(e.text, e.label_) for e in doc.ents] == [("Kilimanjaro", "MOUNTAIN")]
    assert doc_to_word_tags(doc, s) == s.tags


def test_word_rows_repair_i_after_o_and_keep_words_like_na(tmp_path):
    path = tmp_path / "rows.csv"
    write_rows([sentence("NA climbs Mount Hood", ["NA", "climbs", "Mount", "Hood"], ["O", "O", "I-MOUNTAIN", "i-mountain"])], path)
    [s] = read_word_rows(path)
    assert s.words[0] == "NA"
    assert s.tags == ["O", "O", "B-MOUNTAIN", "I-MOUNTAIN"] and s.repaired == 1


def test_unknown_tag_names_file_and_line(tmp_path):
    path = tmp_path / "rows.csv"
    write_rows([sentence("Hood", ["Hood"], ["O"]), sentence("Mount Hood", ["Mount", "Hood"], ["B-MOUNTAIN", "B-PEAK"])], path)
    with pytest.raises(DataError, match=rf"{path}:3: unknown tag 'B-PEAK'"):
        read_word_rows(path)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("sentence_id,word,tag\n0,Hood,O\n")
    with pytest.raises(DataError, match="missing column.*sentence"):
        read_sentences(path)


def test_seed_csv_layout(tmp_path):
    path = tmp_path / "seed.csv"
    path.write_text(
        'Sentence,Word,POS,Tag\n'
        '"Denali is tall.","[\'Denali\', \'is\', \'tall\', \'.\']","[\'PROPN\', \'AUX\', \'ADJ\', \'PUNCT\']","[\'B-MOUNTAIN\', \'O\', \'O\', \'O\']"\n'
        '"x","[\'a\', \'b\']","[\'X\', \'X\']","[\'O\']"\n'
    )
    with pytest.raises(DataError, match=rf"{path}:3: Word and Tag must be lists of equal length"):
        read_seed_csv(path)
    path.write_text(path.read_text().splitlines()[0] + "\n" + path.read_text().splitlines()[1] + "\n")
    [s] = read_sentences(path)
    assert s.words == ["Denali", "is", "tall", "."] and s.tags[0] == "B-MOUNTAIN"


def test_seed_csv_with_non_literal_lists_is_a_clear_error(tmp_path):
    path = tmp_path / "seed.csv"
    path.write_text('Word,POS,Tag\n"[Denali","[X]","[O]"\n')
    with pytest.raises(DataError, match=rf"{path}:2: Word/POS/Tag must be Python-literal lists"):
        read_seed_csv(path)


def test_iob_and_conll_files(tmp_path):
    path = tmp_path / "a.iob"
    path.write_text("-DOCSTART- -X- O O\n\nThe\tO\nMatterhorn\tB-MOUNTAIN\n")
    [first] = read_iob(path)
    assert first.words == ["The", "Matterhorn"] and first.tags == ["O", "B-MOUNTAIN"]
    conll = tmp_path / "a.conll"
    conll.write_text("-DOCSTART- -X- O O\n\nThe DT O\n\nMonte NNP B-MOUNTAIN\nRosa NNP I-MOUNTAIN\n")
    _, second = read_iob(conll)
    assert second.tags == ["B-MOUNTAIN", "I-MOUNTAIN"] and second.where == f"{conll}:5"


@pytest.mark.parametrize("content, line, message", [
    ("The\tO\nAlps\n", 2, "expected 'token<TAB>tag'"), ("The\tO\n\nAlps\tB-RANGE\n", 3, "unknown tag 'B-RANGE'")])
def test_malformed_iob_names_the_line(tmp_path, content, line, message):
    path = tmp_path / "bad.iob"
    path.write_text(content)
    with pytest.raises(DataError, match=re.escape(f"{path}:{line}: {message}")):
        read_iob(path)


def test_split_keeps_test_names_out_of_train():
    import random

    rng = random.Random(0)
    names = [f"Peak{i}" for i in range(200)]
    heldout = {n for n in names if name_split(n.lower(), 0.2, 0) == "test"}
    assert 20 < len(heldout) < 60
    for a in names:
        b = names[(names.index(a) + 7) % len(names)]
        s = Sentence(f"{a} and {b}", [a, "and", b], ["B-MOUNTAIN", "O", "B-MOUNTAIN"], "x:1")
        split = assign_split(s, 0.2, 0.1, 0, rng)
        if split in ("train", "dev"):
            assert a not in heldout and b not in heldout
        elif split == "test":
            assert a in heldout and b in heldout
        else:
            assert (a in heldout) != (b in heldout)


def run_convert(*args):
    return subprocess.run([sys.executable, "-m", "mountner", "convert", *map(str, args)], capture_output=True, text=True)


def test_convert_cli_writes_docbins_and_reports_sizes(tmp_path):
    rows = tmp_path / "rows.csv"
    names = ["Mount Hood", "Mont Blanc", "Ben Nevis", "Cerro Torre", "Mauna Loa", "Table Mountain", "Pikes Peak", "Monte Rosa"]
    sentences = []
    for i in range(80):
        name = names[i % len(names)].split()
        tags = ["O"] * 5 + ["B-MOUNTAIN"] + ["I-MOUNTAIN"] * (len(name) - 1) + ["O"]
        sentences.append(sentence(f"Day {i}: we saw {' '.join(name)}.", ["Day", str(i), ":", "we", "saw", *name, "."], tags))
    write_rows(sentences, rows)
    result = run_convert(rows, "--output-dir", tmp_path, "--report", tmp_path / "report.json", "--heldout-fraction", "0.3")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    nlp = spacy.blank("en")
    seen = {}
    for split in ("train", "dev", "test"):
        docs = list(DocBin().from_disk(tmp_path / f"{split}.spacy").get_docs(nlp.vocab))
        assert len(docs) == report["splits"][split]["sentences"]
        seen[split] = {e.text for d in docs for e in d.ents}
    assert sum(report["splits"][s]["sentences"] for s in seen) == 80
    assert seen["test"] and not (seen["test"] & seen["train"])
    assert "train" in result.stdout and "sentences" in result.stdout


def test_convert_writes_known_names_without_the_held_out_ones(tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows([sentence("We saw Ben Nevis.", ["We", "saw", "Ben", "Nevis", "."], ["O", "O", "B-MOUNTAIN", "I-MOUNTAIN", "O"])], rows)
    gazetteer = ROOT / "assets" / "gazetteer" / "mountains.tsv"
    known = tmp_path / "known.txt"
    result = run_convert(rows, "--output-dir", tmp_path, "--report", tmp_path / "report.json", "--gazetteer", gazetteer, "--known-names", known)
    assert result.returncode == 0, result.stderr
    names = known.read_text(encoding="utf8").splitlines()
    report = json.loads((tmp_path / "report.json").read_text())["known_names"]
    assert len(names) == report["kept"] and report["held_out_for_test"] > 0.1 * report["gazetteer"]
    assert all(name_split(name_key(name), 0.15, 0) == "train" for name in names)
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tkind\nX\ty\n", encoding="utf8")
    result = run_convert(rows, "--output-dir", tmp_path, "--gazetteer", bad, "--known-names", known)
    assert result.returncode == 1 and "bad.tsv" in result.stderr


def test_convert_fails_when_over_one_percent_of_spans_do_not_align(tmp_path):
    rows = tmp_path / "rows.csv"
    # "Hood" ends inside spaCy's token "Hoodtop": the span cannot align.
    write_rows([sentence("Mount Hoodtop", ["Mount", "Hood", "top"], ["B-MOUNTAIN", "I-MOUNTAIN", "O"])]
               + [sentence("K2 rises", ["K2", "rises"], ["B-MOUNTAIN", "O"])] * 20, rows)
    result = run_convert(rows, "--output-dir", tmp_path, "--report", tmp_path / "r.json")
    assert result.returncode == 1
    assert "1 of 21 entity spans do not align" in result.stderr
    assert f"{rows}:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_tag_in_cli_is_a_clear_error(tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows([sentence("K2 rises", ["K2", "rises"], ["B-MOUNTAINS", "O"])], rows)
    result = run_convert(rows, "--output-dir", tmp_path)
    assert result.returncode == 1 and f"{rows}:2: unknown tag 'B-MOUNTAINS'" in result.stderr and "Traceback" not in result.stderr


def test_fewnerd_dev_reads_and_aligns_completely(fewnerd_dev, nlp):
    sentences = read_iob(fewnerd_dev)
    assert len(sentences) == 605
    assert all(words_to_doc(nlp, s)[1] == 0 for s in sentences)


def test_token_files_are_tagged_as_running_prose():
    from mountner.data.corpus_io import detokenize

    words = ["Everest", "(", "8,849", "m", ")", "is", "Nepal", "'s", "highest", "peak", ",", "they", "say", "."]
    assert detokenize(words) == "Everest (8,849 m) is Nepal's highest peak, they say."
    s = Sentence(detokenize(words), words, ["B-MOUNTAIN"] + ["O"] * 13, "x:1")
    doc, misaligned = words_to_doc(spacy.blank("en"), s)
    assert misaligned == 0 and [e.text for e in doc.ents] == ["Everest"]


def convert_in_process(*args):
    """The convert CLI in this process (faster than a subprocess); stderr kept apart from stdout."""
    return invoke("convert", *args)


def assert_clean_failure(result, *needles):
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("case", ["header_only", "zero_bytes", "not_utf8", "folder", "folder_named_csv", "iob_without_sentences"])
def test_convert_refuses_unusable_input_with_one_line(tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "train.spacy").write_bytes(b"old")
    path = tmp_path / "mountains.csv"
    if case == "header_only":
        write_rows([], path)
        expected = "no sentences"
    elif case == "zero_bytes":
        path.write_bytes(b"")
        expected = "empty"
    elif case == "not_utf8":
        path.write_bytes(b"sentence_id,sentence,word,pos,tag\n0,Caf\xe9 K2,K2,PROPN,B-MOUNTAIN\n")
        expected = "UTF-8"
    elif case == "folder":
        path = tmp_path / "somefolder"
        path.mkdir()
        expected = "folder"
    elif case == "folder_named_csv":
        path.mkdir()
        expected = "folder"
    else:
        path = tmp_path / "blank.iob"
        path.write_text("-DOCSTART- O\n\n\n", encoding="utf8")
        expected = "no sentences"
    result = convert_in_process(path, "--output-dir", out, "--report", out / "report.json")
    assert_clean_failure(result, str(path), expected)
    assert (out / "train.spacy").read_bytes() == b"old" and not (out / "report.json").exists()


def test_convert_summary_counts_the_extra_training_data(tmp_path):
    rows = tmp_path / "rows.csv"
    write_rows([sentence("K2 rises.", ["K2", "rises", "."], ["B-MOUNTAIN", "O", "O"])] * 3, rows)
    extra = tmp_path / "mine.iob"
    extra.write_text("We\tO\nsaw\tO\nMonte\tI-MOUNTAIN\nRosa\tI-MOUNTAIN\n\nDenali\tB-MOUNTAIN\nrises\tO\n", encoding="utf8")
    result = convert_in_process(rows, "--extra-train", extra, "--output-dir", tmp_path, "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("extra training data"))
    assert "2 sentences" in line and "I- after O repaired: 1" in line, line


def test_iob_mixing_two_and_three_columns_is_refused_at_the_first_odd_line(tmp_path):
    path = tmp_path / "mixed.iob"
    path.write_text("The\tO\nAlps\tB-MOUNTAIN\n\nMonte NNP B-MOUNTAIN\nRosa NNP I-MOUNTAIN\n", encoding="utf8")
    with pytest.raises(DataError, match=re.escape(f"{path}:4: 3 columns, but line 1 has 2")):
        read_iob(path)


def test_convert_keeps_each_sentence_origin_for_evaluate(tmp_path):
    """The origin column of corpus/mountains.csv reaches the scored DocBins (doc.user_data), so that evaluate can
    score generated sentences and real prose apart; a file without the column converts as before."""
    rows = tmp_path / "rows.csv"
    sentences = []
    for i, origin in enumerate(["template", "wikipedia_lead", "name_swap", "wordnet_gloss"] * 10):
        row = sentence(f"Day {i}: we saw Mount Hood.", ["Day", str(i), ":", "we", "saw", "Mount", "Hood", "."],
                       ["O"] * 5 + ["B-MOUNTAIN", "I-MOUNTAIN", "O"])
        sentences.append({**row, "origin": origin})
    write_rows(sentences, rows)
    assert [s.origin for s in read_word_rows(rows)][:4] == ["template", "wikipedia_lead", "name_swap", "wordnet_gloss"]
    result = run_convert(rows, "--output-dir", tmp_path, "--report", tmp_path / "report.json", "--heldout-fraction", "0.0")
    assert result.returncode == 0, result.stderr
    nlp = spacy.blank("en")
    by_split = {split: list(DocBin().from_disk(tmp_path / f"{split}.spacy").get_docs(nlp.vocab)) for split in ("train", "dev", "test")}
    assert by_split["train"] and by_split["dev"], "a split is empty; the seed no longer fills both"
    by_text = {d.text: d.user_data.get("origin") for d in by_split["dev"]}
    assert by_text == {s["text"]: s["origin"] for s in sentences if s["text"] in by_text}
    # train keeps no origins: evaluate never scores it, and `spacy train` would decode them on every pass
    assert all(not d.user_data for d in by_split["train"])
    without = tmp_path / "without.csv"
    without.write_text("sentence_id,sentence,word,pos,tag\n0,K2 rises,K2,PROPN,B-MOUNTAIN\n0,K2 rises,rises,VERB,O\n", encoding="utf8")
    assert read_word_rows(without)[0].origin == ""
