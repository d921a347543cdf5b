"""Where the transformer reads a doc: `mountner.sentence_spans.v1`, a span getter for spacy-transformers that
gives one window per sentence (long sentences in overlapping windows), and `doc_sentences`, the sentences of a
doc as the tagger's own layers read them (a doc without sentence boundaries, as in training, is one sentence)."""

from typing import Callable, Iterable, List

from spacy.tokens import Doc, Span
from spacy_transformers.util import registry as trf_registry


@trf_registry.span_getters("mountner.sentence_spans.v1")
def configure_sentence_spans(max_length: int = 128, stride: int = 96) -> Callable[[List[Doc]], List[List[Span]]]:
    """The transformer's windows: one per sentence, so that a sentence's tags do not depend on its
    neighbours (training sees single sentences). A sentence longer than max_length tokens is read in
    windows of max_length that start every stride tokens (they overlap, so each token has context
    on both sides). A doc without sentence boundaries (as in training) counts as one sentence."""

    def get_spans(docs: Iterable[Doc]) -> List[List[Span]]:
        return [[window for sent in doc_sentences(doc) for window in _windows(sent, max_length, stride)] for doc in docs]

    return get_spans


def doc_sentences(doc: Doc) -> List[Span]:
    """The doc's sentences; a doc without sentence boundaries (as in training) is one sentence, an empty doc none."""
    if not len(doc):
        return []
    return list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]


def _windows(sent: Span, max_length: int, stride: int) -> List[Span]:
    if len(sent) <= max_length:
        return [sent]
    doc, windows = sent.doc, []
    for start in range(sent.start, sent.end, stride):
        windows.append(doc[start : min(start + max_length, sent.end)])
        if start + max_length >= sent.end:
            break
    return windows
