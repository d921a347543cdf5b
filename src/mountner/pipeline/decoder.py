"""How mountner turns tag probabilities into entities: the BIO tag set (`bio_tags`), a Viterbi search over
well-formed BIO (`allowed_transitions`, `viterbi_decode`) and `BioDecoder`, which adds the rules (punctuation is
never in a name, a name right before a capitalised word is part of a longer one, known names the tagger left out
come back) and sets each entity's confidence and source. Configs name it as `mountner.bio_decoder.v1`
(a `spacy_misc` entry point)."""

import functools
import re
from typing import List, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc, Span
from spacy.util import registry

from mountner.data.bio import OUTSIDE, bio_entity_spans
from mountner.pipeline.extensions import install_extensions
from mountner.pipeline.gazetteer import KNOWN_NAMES

# The decoder sets span._.confidence and span._.mountner_source.
install_extensions()

# Tokens that are never part of a mountain's name: brackets, quotes, clause punctuation and whitespace
# (spaCy makes a token of extra spaces and line breaks). The decoder keeps them outside, so "Mauna Loa ()"
# or "``Harran``" cannot pull a bracket or a quote into the span, nor a blank line join two names.
NEVER_IN_NAME = re.compile(r"[()\[\]{}\"“”„«»`,;:!?]+|''|\s+")
# Capitalised words that may follow a mountain's name without being part of a longer name.
NOT_A_NAME_PART = frozenset(
    "I January February March April May June July August September October November December Jan Feb Mar Apr "
    "Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


def bio_tags(labels: Sequence[str]) -> List[str]:
    return [OUTSIDE] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def allowed_transitions(tags: Sequence[str]) -> numpy.ndarray:
    """allowed[i, j]: tag j may follow tag i in well-formed BIO (I-X only after B-X or I-X)."""
    allowed = numpy.ones((len(tags), len(tags)), dtype=bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            allowed[:, j] = [prev[2:] == tag[2:] and prev != OUTSIDE for prev in tags]
    return allowed


def viterbi_decode(probs: numpy.ndarray, allowed: numpy.ndarray, may_start: numpy.ndarray) -> List[int]:
    """The most probable tag sequence that is well-formed BIO."""
    n_tokens, n_tags = probs.shape
    if n_tokens == 0:
        return []
    log_probs = numpy.log(numpy.clip(probs, 1e-12, 1.0))
    forbidden = numpy.where(allowed, 0.0, -numpy.inf)
    score = numpy.where(may_start, log_probs[0], -numpy.inf)
    backpointers = numpy.zeros((n_tokens, n_tags), dtype=numpy.int64)
    for i in range(1, n_tokens):
        candidates = score[:, None] + forbidden
        backpointers[i] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[i]
    path = [int(score.argmax())]
    for i in range(n_tokens - 1, 0, -1):
        path.append(int(backpointers[i, path[-1]]))
    return path[::-1]


@registry.misc("mountner.bio_decoder.v1")
def make_bio_decoder(
    mask_punctuation: bool = True,
    drop_before_capital: bool = True,
    known_name_min_prob: Optional[float] = 0.0001,
) -> "BioDecoder":
    """How mountner turns tag probabilities into entities: a Viterbi search over well-formed BIO plus
    rules that can each be switched off here (`python -m mountner decoder-rules` measures what each is worth)."""
    return BioDecoder(mask_punctuation, drop_before_capital, known_name_min_prob)


class BioDecoder:
    """mask_punctuation: brackets, quotes, clause punctuation and whitespace tokens are never inside a name.
    drop_before_capital: in cased text, a name the tagger ends right before a capitalised word (not a month,
    a weekday or "I") is the first part of a longer name, and so names something else ("Sakuma Dam",
    "Fehmarn Belt").
    known_name_min_prob: add the known names (mountner_gazetteer) that the tagger left out, where it gives
    them at least this probability; None: off."""

    def __init__(self, mask_punctuation: bool = True, drop_before_capital: bool = True, known_name_min_prob: Optional[float] = 0.0001):
        self.mask_punctuation = mask_punctuation
        self.drop_before_capital = drop_before_capital
        self.known_name_min_prob = known_name_min_prob

    def __call__(self, doc: Doc, probs: numpy.ndarray, tags: Sequence[str]) -> Tuple[numpy.ndarray, List[Span]]:
        """The probabilities (punctuation masked) and the entities, each with its confidence and source."""
        outside = tags.index(OUTSIDE)
        if self.mask_punctuation:
            punct = [t.i for t in doc if NEVER_IN_NAME.fullmatch(t.text)]
            probs[punct] = 0.0
            probs[punct, outside] = 1.0
        path = viterbi_decode(probs, *_bio_constraints(tuple(tags)))
        ents = []
        for start, end, label in bio_entity_spans([tags[i] for i in path]):
            if self.drop_before_capital and _capitalised(doc, end) and doc[end].text not in NOT_A_NAME_PART:
                continue
            inside = [probs[i, path[i]] for i in range(start, end)]
            # A token after the entity that might continue it makes the boundary uncertain.
            if end < len(doc):
                inside.append(1.0 - probs[end, tags.index(f"I-{label}")])
            span = Span(doc, start, end, label=label)
            span._.confidence = float(min(inside))
            span._.mountner_source = "tagger"
            ents.append(span)
        if self.known_name_min_prob is not None:
            ents.extend(_known_name_fallback(doc, ents, probs, tags, self.known_name_min_prob))
        return probs, ents


@functools.lru_cache(maxsize=8)
def _bio_constraints(tags: Tuple[str, ...]) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Allowed transitions and allowed first tags, computed once per tag set rather than once per doc."""
    return allowed_transitions(tags), numpy.array([not tag.startswith("I-") for tag in tags])


def _known_name_fallback(doc: Doc, ents: List[Span], probs: numpy.ndarray, tags: Sequence[str], min_prob: float) -> List[Span]:
    """Known names (doc.spans[KNOWN_NAMES], from mountner_gazetteer) that the tagger left out, that
    stand alone (not inside a longer capitalised name: "Mont Blanc Tunnel", "Everest Group", "John
    Logan") and that the tagger gives at least min_prob: below that it has read a context that rules
    the name out (a town, a brand). Their confidence is the tagger's: the lowest of P(B-), P(I-)..."""
    label = next(tag[2:] for tag in tags if tag.startswith("B-"))
    begin, inside = tags.index(f"B-{label}"), tags.index(f"I-{label}")
    taken = numpy.zeros(len(doc) + 1, dtype=bool)
    for ent in ents:
        taken[ent.start:ent.end] = True
    added = []
    for known in doc.spans.get(KNOWN_NAMES, []):
        start, end = known.start, known.end
        # A capitalised word before the name joins it to a longer one, unless it starts a sentence
        # or is a function word ("At Harrow Peak").
        free_before = start == 0 or doc[start - 1].is_stop or start == 1 or doc[start - 2].text in (".", "!", "?")
        if taken[start:end].any() or _capitalised(doc, end) or (not free_before and _capitalised(doc, start - 1)):
            continue
        confidence = float(min([probs[start, begin]] + [probs[i, inside] for i in range(start + 1, end)]))
        if confidence < min_prob:
            continue
        span = Span(doc, start, end, label=label)
        span._.confidence = confidence
        span._.mountner_source = "known name"
        added.append(span)
    return added


def _capitalised(doc: Doc, i: int) -> bool:
    """Whether token i exists and is a capitalised word (so it would be part of a longer name)."""
    return i < len(doc) and doc[i].is_alpha and doc[i].text[:1].isupper()
