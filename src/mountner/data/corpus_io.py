"""Read word-level BIO data (our rows, the seed's CSV, IOB/CoNLL files) and move tags between
words and spaCy tokens through character offsets."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import pandas as pd
from spacy.tokens import Doc

from mountner.data.bio import ROW_COLUMNS, bio_spans, normalise_tag, word_char_offsets
from mountner.data.sentence_record import Sentence, validate_sentence


class DataError(ValueError):
    """Bad input data; the message names the file and the line."""


_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "'", "n't", "''"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "``"}


def detokenize(words: Sequence[str]) -> str:
    """Rebuild running text from pre-tokenized words ("Everest ." -> "Everest."), so that files of
    tokens are tagged as the prose they came from; the words still map back by character offsets."""
    text = ""
    for i, word in enumerate(words):
        if i and word not in _NO_SPACE_BEFORE and words[i - 1] not in _NO_SPACE_AFTER:
            text += " "
        text += word
    return text


def _validated(text: str, words: Sequence[str], tags: Sequence[object], where: str, pos: Sequence[object] = ()) -> Sentence:
    """The sentence checked as the generators check theirs (sentence_record.validate_sentence), tags repaired;
    DataError naming file and line when it fails."""
    sentence, _, problem = validate_sentence(text, words, tags, where=where)
    if sentence is None:
        raise DataError(f"{where}: {problem}")
    sentence.pos = [str(p) for p in pos]
    return sentence


def read_word_rows(path: Path) -> List[Sentence]:
    """corpus/mountains.csv: one row per word, columns ROW_COLUMNS (tag_general/tag_position/origin optional)."""
    frame = _read_csv(path)
    missing = [c for c in ("sentence_id", "sentence", "word", "tag") if c not in frame.columns]
    if missing:
        raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {', '.join(ROW_COLUMNS)}")
    sentences = []
    frame["_line"] = frame.index + 2  # header is line 1
    for _, rows in frame.groupby("sentence_id", sort=False):
        where = f"{path}:{rows['_line'].iloc[0]}"
        texts = rows["sentence"].unique()
        if len(texts) != 1:
            raise DataError(f"{where}: sentence_id {rows['sentence_id'].iloc[0]} has {len(texts)} different sentence texts")
        if (rows["word"] == "").any():
            line = rows.loc[rows["word"] == "", "_line"].iloc[0]
            raise DataError(f"{path}:{line}: empty word")
        pos = list(rows["pos"]) if "pos" in rows else []
        sentence = _validated(texts[0], list(rows["word"]), list(rows["tag"]), where, pos)
        sentence.origin = rows["origin"].iloc[0] if "origin" in rows else ""
        sentences.append(sentence)
    return sentences


def read_seed_csv(path: Path) -> List[Sentence]:
    """The seed project's layout: one row per sentence, Word/POS/Tag columns holding Python-literal lists."""
    frame = _read_csv(path)
    missing = [c for c in ("Word", "Tag") if c not in frame.columns]
    if missing:
        raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}; the seed layout has Word, POS, Tag")
    sentences = []
    for index, row in frame.iterrows():
        where = f"{path}:{index + 2}"
        try:
            words, tags = ast.literal_eval(row["Word"]), ast.literal_eval(row["Tag"])
            pos = ast.literal_eval(row["POS"]) if "POS" in frame.columns else []
        except (ValueError, SyntaxError) as err:
            raise DataError(f"{where}: Word/POS/Tag must be Python-literal lists ({err.__class__.__name__})") from None
        if not (isinstance(words, list) and isinstance(tags, list)) or len(words) != len(tags):
            raise DataError(f"{where}: Word and Tag must be lists of equal length")
        words = [str(w) for w in words]
        sentences.append(_validated(detokenize(words), words, tags, where, pos))
    return sentences


def read_iob(path: Path) -> List[Sentence]:
    """Two-column IOB (token TAB tag) or CoNLL (token first, tag last); blank lines end sentences."""
    sentences, words, tags, start = [], [], [], 1
    try:
        lines = path.read_text(encoding="utf8").splitlines()
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8") from None
    layout = None  # (number of columns, line number) of the first token line: every line must match it
    for number, line in enumerate(lines + [""], start=1):
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                sentences.append(_validated(detokenize(words), words, tags, f"{path}:{start}"))
            words, tags, start = [], [], number + 1
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        if len(columns) < 2:
            raise DataError(f"{path}:{number}: expected 'token<TAB>tag', got {line[:60]!r}")
        if layout is None:
            layout = (len(columns), number)
        elif len(columns) != layout[0]:
            # A mixed file is usually two files pasted together, or a token with a space in it.
            raise DataError(f"{path}:{number}: {len(columns)} columns, but line {layout[1]} has {layout[0]}; "
                            "use one layout per file (token<TAB>tag, or CoNLL with the tag last)")
        if normalise_tag(columns[-1]) is None:
            raise DataError(f"{path}:{number}: unknown tag {columns[-1]!r}; expected O, B-MOUNTAIN or I-MOUNTAIN")
        words.append(columns[0].strip())
        tags.append(columns[-1])
    return sentences


def read_sentences(path: Path) -> List[Sentence]:
    """Pick the reader by layout: our word rows, the seed's CSV, or IOB/CoNLL."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the data file itself (e.g. corpus/mountains.csv or an .iob file)")
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf8") as f:
                header = f.readline()
            return read_seed_csv(path) if "Word" in header.split(",") else read_word_rows(path)
        return read_iob(path)
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read it ({err.strerror or type(err).__name__})") from None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        # keep_default_na: words such as "NA" or "null" are words, not missing values
        return pd.read_csv(path, keep_default_na=False, dtype=str)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file (not even a header); regenerate it with "
                        "`python -m spacy project run generate`") from None
    except pd.errors.ParserError as err:
        raise DataError(f"{path}: malformed CSV: {err}") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8") from None


def sentence_char_spans(sentence: Sentence) -> Optional[List[Tuple[int, int]]]:
    """Character spans of the sentence's entities, or None if its words do not rebuild its text."""
    offsets = word_char_offsets(sentence.text, sentence.words)
    if offsets is None:
        return None
    return [(offsets[start][0], offsets[end - 1][1]) for start, end in bio_spans(sentence.tags)]


def words_to_doc(nlp, sentence: Sentence, label: str = "MOUNTAIN") -> Tuple[Optional[Doc], int]:
    """Tokenize the text with the pipeline's tokenizer and carry the word entities over by
    character offsets. Returns (doc or None, number of entity spans that did not align)."""
    spans = sentence_char_spans(sentence)
    if spans is None:
        return None, max(1, len(bio_spans(sentence.tags)))
    doc = nlp.make_doc(sentence.text)
    ents = [doc.char_span(start, end, label=label) for start, end in spans]
    n_misaligned = sum(ent is None for ent in ents)
    if n_misaligned:
        return None, n_misaligned
    doc.set_ents(ents, default="outside")
    if sentence.origin:  # DocBin(store_user_data=True) keeps it, for evaluate's scores by origin
        doc.user_data["origin"] = sentence.origin
    return doc, 0


def doc_to_word_tags(doc: Doc, sentence: Sentence) -> List[str]:
    """Project predicted doc.ents back onto the sentence's words (for word-level seqeval)."""
    offsets = word_char_offsets(sentence.text, sentence.words) or []
    tags = ["O"] * len(sentence.words)
    for ent in doc.ents:
        inside = [i for i, (start, end) in enumerate(offsets) if start < ent.end_char and end > ent.start_char]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + ent.label_
    return tags


def sentence_names(sentence: Sentence) -> List[str]:
    """The mountain names a sentence mentions, normalised for the name-disjoint split."""
    return [name_key(" ".join(sentence.words[start:end])) for start, end in bio_spans(sentence.tags)]


_NAME_PREFIXES = ("mount ", "mt. ", "mt ", "monte ", "mont ", "mount. ")


def name_key(name: str) -> str:
    key = " ".join(name.lower().replace("'s", "").split())
    for prefix in _NAME_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def iter_docs_with_sentences(nlp, sentences: Sequence[Sentence]) -> Iterator[Tuple[Sentence, Doc]]:
    for sentence, doc in zip(sentences, nlp.pipe(s.text for s in sentences)):
        yield sentence, doc
