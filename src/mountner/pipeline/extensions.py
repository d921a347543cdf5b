"""The custom attributes mountner sets on spaCy's objects: `span._.confidence` and `span._.mountner_source` on
each entity, and each token's probability of its tag, kept as one list per doc (`doc._.mountner_probs`) and read
or written per token through `token._.mountner_prob`. `install_extensions` registers them; it may run any number
of times (force=True replaces a registration, and values live in the docs, so none are lost). The modules that
set or read them call it when they are imported."""

from typing import Optional

from spacy.tokens import Doc, Span, Token


def _get_token_prob(token: Token) -> Optional[float]:
    probs = token.doc._.mountner_probs
    return None if probs is None else probs[token.i]


def _set_token_prob(token: Token, value: Optional[float]) -> None:
    if token.doc._.mountner_probs is None:
        token.doc._.mountner_probs = [None] * len(token.doc)
    token.doc._.mountner_probs[token.i] = value


def install_extensions() -> None:
    """Register mountner's span, doc and token extensions (again: the same registration)."""
    # Read after spacy.load(): ent._.confidence and, per token, the probability of its tag.
    Span.set_extension("confidence", default=None, force=True)
    # "tagger", or "known name": a listed name the tagger left out (see _known_name_fallback in decoder.py).
    Span.set_extension("mountner_source", default=None, force=True)
    # Each token's probability of the tag it ended up with. Kept as one list per doc, set once per doc (a value set on
    # every token took 0.25 s of a 3.3 s profile of nlp.pipe); token._.mountner_prob reads and writes its place in it.
    Doc.set_extension("mountner_probs", default=None, force=True)
    Token.set_extension("mountner_prob", getter=_get_token_prob, setter=_set_token_prob, force=True)
