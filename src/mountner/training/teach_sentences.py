"""The sentences both teachers see, and the tally of what became of each: the input's documents cut into
one-line sentences (too short ones skipped), and a kept sentence as a training example."""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Optional, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from tqdm import tqdm

from mountner.data.bio import LABEL
from mountner.inference.predict import chunks
from mountner.inference.tag import MAX_REPORTED_ERRORS

# A sentence of fewer words gives the tagger no context to learn from (a heading, "Ben Nevis.").
MIN_WORDS = 3

# Why a sentence was not taught: skipped before the teacher saw it.
SKIP_BLANK = "blank"
SKIP_SHORT = f"under {MIN_WORDS} words"


@dataclass
class Tally:
    """What happened to every document and sentence: the summary and the report."""

    documents: int = 0
    bad_lines: int = 0
    bad_line_errors: List[str] = field(default_factory=list)
    taught: int = 0
    skipped: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    kept_positives: int = 0
    kept_negatives: int = 0
    kept_entities: int = 0

    def keep(self, doc: Doc) -> Doc:
        self.kept_entities += len(doc.ents)
        if doc.ents:
            self.kept_positives += 1
        else:
            self.kept_negatives += 1
        return doc

    def bad_line(self, error: str) -> None:
        self.bad_lines += 1
        if self.bad_lines <= MAX_REPORTED_ERRORS:
            self.bad_line_errors.append(error)
            tqdm.write(f"teach: skipped {error}", file=sys.stderr)
        elif self.bad_lines == MAX_REPORTED_ERRORS + 1:
            tqdm.write("teach: more bad lines: counted in the summary, not shown", file=sys.stderr)


def sentence_splitter() -> Language:
    """A blank English pipeline with a sentencizer: both teachers see the same sentences."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(records: Iterable[dict], splitter: Language, tally: Tally, max_sentences: Optional[int]) -> Iterator[str]:
    """The sentences of every good document, in input order, at most max_sentences of them."""
    for record in records:
        if max_sentences is not None and tally.taught >= max_sentences:
            return
        if "error" in record:
            tally.bad_line(record["error"])
            continue
        tally.documents += 1
        if not record["text"].strip():
            tally.skipped[SKIP_BLANK] += 1
            continue
        for _, piece in chunks(record["text"]):
            for sent in splitter(piece).sents:
                # Lines wrapped inside a .txt file: training sentences are one line, with single spaces.
                text = " ".join(sent.text.split())
                if not text:
                    tally.skipped[SKIP_BLANK] += 1
                elif sum(not (t.is_punct or t.is_space) for t in sent) < MIN_WORDS:
                    tally.skipped[SKIP_SHORT] += 1
                elif max_sentences is not None and tally.taught >= max_sentences:
                    return
                else:
                    tally.taught += 1
                    yield text


def labelled_doc(doc: Doc, spans: List[Tuple[int, int]]) -> Doc:
    """doc's words with these token spans as its MOUNTAIN entities and every other token explicitly O: a token
    left unannotated would count as unknown in training, and a negative would teach nothing."""
    example = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
    example.set_ents([Span(example, start, end, label=LABEL) for start, end in spans], default="outside")
    return example
