"""Batching for callers of a loaded pipeline: `pipe_by_length`, nlp.pipe over texts sorted by length within a
buffer, so that the transformer pads less, with the docs returned in the order of the texts."""

from itertools import islice
from typing import Iterable, Iterator, List, Optional

from spacy.language import Language
from spacy.tokens import Doc


def pipe_by_length(nlp: Language, texts: Iterable[str], batch_size: int = 64, buffer: int = 1024) -> Iterator[Doc]:
    """nlp.pipe with padding-aware batching: within each buffer of texts, batches hold texts of
    similar length, so the transformer pads less. Docs come back in the order of the texts."""
    texts = iter(texts)
    while True:
        chunk = list(islice(texts, buffer))
        if not chunk:
            return
        order = sorted(range(len(chunk)), key=lambda i: len(chunk[i]))
        docs: List[Optional[Doc]] = [None] * len(chunk)
        for i, doc in zip(order, nlp.pipe((chunk[i] for i in order), batch_size=batch_size)):
            docs[i] = doc
        yield from docs
