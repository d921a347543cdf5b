"""MountNER's pipeline code: the `mountner` entity tagger, its architectures and the
warmup-cosine learning-rate schedule.

This file is packaged with the model (`spacy package --code`), so it imports nothing
from the rest of the project: `spacy.load("en_mountner")` needs only spaCy, thinc,
numpy and spacy-transformers.
"""

import functools
import math
import re
from pathlib import Path
from itertools import islice
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy
import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Pipe, TrainablePipe
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span, Token
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import filter_spans, registry
from thinc.api import Config
from spacy_transformers.util import registry as trf_registry
from thinc.api import (Linear, Maxout, Model, NumpyOps, SequenceCategoricalCrossentropy, Softmax, chain, clone, concatenate, expand_window,
                       residual, set_dropout_rate, with_array)
from thinc.types import Floats2d

# Read after spacy.load(): ent._.confidence and, per token, the probability of its tag.
Span.set_extension("confidence", default=None, force=True)
# "tagger", or "known name": a listed name the tagger left out (see MountainTagger.known_name_fallback).
Span.set_extension("mountner_source", default=None, force=True)
# Each token's probability of the tag it ended up with. Kept as one list per doc, set once per doc (a value set on
# every token took 0.25 s of a 3.3 s profile of nlp.pipe); token._.mountner_prob reads and writes its place in it.
Doc.set_extension("mountner_probs", default=None, force=True)


def _get_token_prob(token: Token) -> Optional[float]:
    probs = token.doc._.mountner_probs
    return None if probs is None else probs[token.i]


def _set_token_prob(token: Token, value: Optional[float]) -> None:
    if token.doc._.mountner_probs is None:
        token.doc._.mountner_probs = [None] * len(token.doc)
    token.doc._.mountner_probs[token.i] = value


Token.set_extension("mountner_prob", getter=_get_token_prob, setter=_set_token_prob, force=True)
# mountner_gazetteer puts the known mountain names it finds in doc.spans[KNOWN_NAMES].
KNOWN_NAMES = "mountner_known"

OUTSIDE = "O"
# Tokens that are never part of a mountain's name: brackets, quotes, clause punctuation and whitespace
# (spaCy makes a token of extra spaces and line breaks). The decoder keeps them outside, so "Mauna Loa ()"
# or "``Harran``" cannot pull a bracket or a quote into the span, nor a blank line join two names.
NEVER_IN_NAME = re.compile(r"[()\[\]{}\"“”„«»`,;:!?]+|''|\s+")
# Capitalised words that may follow a mountain's name without being part of a longer name.
NOT_A_NAME_PART = frozenset(
    "I January February March April May June July August September October November December Jan Feb Mar Apr "
    "Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


@registry.schedules("mountner.warmup_cosine.v1")
def warmup_cosine(initial_rate: float, warmup_steps: int, total_steps: int, min_rate: float = 0.0) -> Iterable[float]:
    """Linear warmup to initial_rate, then a cosine decay to min_rate at total_steps.

    thinc ships warmup_linear but no cosine schedule; past total_steps the rate stays at min_rate.
    """
    step = 0
    while True:
        if step < warmup_steps:
            yield initial_rate * step / max(1, warmup_steps)
        else:
            progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
            yield min_rate + (initial_rate - min_rate) * 0.5 * (1.0 + math.cos(math.pi * progress))
        step += 1


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


@registry.architectures("mountner.ConcatTok2Vec.v1")
def build_concat_tok2vec(transformer: Model, features: Model) -> Model:
    """Concatenate transformer vectors with small embeddings of the token's own form.

    The fallback encoder is uncased; the SHAPE/PREFIX/SUFFIX embeddings give the tagger
    back the capitalisation that marks proper names.
    """
    return concatenate(transformer, features)


@registry.architectures("mountner.ConcatTok2Vec.v2")
def build_concat_tok2vec_v2(transformer: Model, features: Model, context: Model) -> Model:
    """v1, then a context layer over the joined vectors (mountner.ContextEncoder.v1): a word's capitals and its
    neighbours' meet the encoder's view of the sentence in a learnt layer, not only in the tagger's linear output."""
    return chain(concatenate(transformer, features), context)


@registry.architectures("mountner.ConcatTok2Vec.v3")
def build_concat_tok2vec_v3(transformer: Model, features: Model, context: Model) -> Model[List[Doc], List[Floats2d]]:
    """v2 with windows that stop at sentence boundaries: the form features and the context layer read each
    sentence on its own, as the transformer does (mountner.sentence_spans.v1), so a sentence inside a paragraph
    gets the vectors it gets alone. On a single sentence, and on a doc without sentence boundaries (training: the
    sentencizer does not run in nlp.update), it computes exactly what v2 does."""
    return Model("mountner_concat_by_sentence", _concat_by_sentence_forward, init=_concat_by_sentence_init,
                 layers=[transformer, features, context], dims={"nO": None})


def _concat_by_sentence_init(model: Model, X: Optional[List[Doc]] = None, Y=None) -> None:
    transformer, features, context = model.layers
    if X is None:
        for layer in model.layers:
            layer.initialize()
        return
    transformer.initialize(X=X)
    features.initialize(X=X)
    # A sample of joined vectors gives the context layer its width.
    context.initialize(X=_concat_by_sentence_forward(model, X, is_train=False, through_context=False)[0])
    model.set_dim("nO", context.get_dim("nO"))


def _concat_by_sentence_forward(model: Model, docs: List[Doc], is_train: bool, through_context: bool = True):
    transformer, features, context = model.layers
    xp = model.ops.xp
    sentences = [doc_sentences(doc) for doc in docs]
    encoded, backprop_encoded = transformer(docs, is_train)
    # spaCy's feature extractor reads Docs; a doc that is one sentence is passed as it is, not copied.
    form, backprop_form = features([doc if len(sent) == len(doc) else sent.as_doc()
                                    for doc, sents in zip(docs, sentences) for sent in sents], is_train)
    bounds = [(i, sent.start, sent.end) for i, sents in enumerate(sentences) for sent in sents]
    joined = [xp.hstack((encoded[i][start:end], form_vectors)) for (i, start, end), form_vectors in zip(bounds, form)]
    if not through_context:
        return joined, None
    in_context, backprop_context = context(joined, is_train)
    width = context.get_dim("nO")
    output = [model.ops.alloc2f(len(doc), width) for doc in docs]
    for (i, start, end), vectors in zip(bounds, in_context):
        output[i][start:end] = vectors

    def backprop(d_output: List[Floats2d]) -> List:
        d_joined = backprop_context([d_output[i][start:end] for i, start, end in bounds])
        d_encoded = [model.ops.alloc2f(*vectors.shape) for vectors in encoded]
        encoded_width = d_encoded[0].shape[1] if d_encoded else 0
        for (i, start, end), d_vectors in zip(bounds, d_joined):
            d_encoded[i][start:end] = d_vectors[:, :encoded_width]
        backprop_form([xp.ascontiguousarray(d_vectors[:, encoded_width:]) for d_vectors in d_joined])
        backprop_encoded(d_encoded)
        return []

    return output, backprop


def _window_maxout_blocks(depth: int, window_size: int, maxout_pieces: int, width: Optional[int] = None) -> Model[Floats2d, Floats2d]:
    """spaCy's MaxoutWindowEncoder blocks: each a residual maxout over a word and its window of neighbours
    (width None: set at initialize)."""
    return clone(residual(chain(expand_window(window_size=window_size), Maxout(nO=width, nP=maxout_pieces, normalize=True))), depth)


@registry.architectures("mountner.ContextEncoder.v1")
def build_context_encoder(depth: int = 1, window_size: int = 1, maxout_pieces: int = 3) -> Model[List[Floats2d], List[Floats2d]]:
    """spaCy's MaxoutWindowEncoder (residual maxout blocks over a window of neighbours), with its width taken from
    its input at initialize: the joined vectors are as wide as the encoder (384 for MiniLM, 768 for BERT) plus the
    form features, so the same config serves either encoder."""
    blocks = _window_maxout_blocks(depth, window_size, maxout_pieces)
    encoder = with_array(blocks, pad=window_size * depth)

    def init(model: Model, X: Optional[List[Floats2d]] = None, Y=None) -> None:
        if X is not None and not model.has_dim("nO"):
            width = X[0].shape[1]
            for node in blocks.walk():
                if node.name == "maxout":
                    node.set_dim("nI", width * (2 * window_size + 1))
                    node.set_dim("nO", width)
            model.set_dim("nO", width)
        encoder.initialize(X=X)

    return Model("mountner_context", lambda model, X, is_train: encoder(X, is_train), init=init, layers=[encoder], dims={"nO": None})


@registry.architectures("mountner.ContextEncoder.v2")
def build_context_encoder_v2(width: int, depth: int = 1, window_size: int = 1, maxout_pieces: int = 3) -> Model[List[Floats2d], List[Floats2d]]:
    """v1 at a chosen width: a learnt projection of the joined vectors to `width`, then the residual maxout
    blocks at that width. The blocks cost (2 * window_size + 1) * maxout_pieces * width**2 per token, so a
    narrow layer is much cheaper than v1 at the input's width (448 for MiniLM, 832 for BERT)."""
    encoder = with_array(chain(Linear(nO=width), _window_maxout_blocks(depth, window_size, maxout_pieces, width)), pad=window_size * depth)
    return Model("mountner_context", lambda model, X, is_train: encoder(X, is_train), init=lambda model, X=None, Y=None: encoder.initialize(X=X),
                 layers=[encoder], dims={"nO": width})


@registry.architectures("mountner.TokenTagger.v1")
def build_token_tagger(tok2vec: Model, nO: Optional[int] = None) -> Model:
    """Per-token softmax over BIO tags on top of any tok2vec (one vector per spaCy token)."""
    output = Softmax(nO=nO, init_W=lambda ops, shape: ops.alloc(shape))
    model = chain(tok2vec, with_array(output))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output", output)
    return model


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


DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "mountner.TokenTagger.v1"
nO = null

[model.tok2vec]
@architectures = "mountner.ConcatTok2Vec.v3"

[model.tok2vec.transformer]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.transformer.pooling]
@layers = "reduce_mean.v1"

[model.tok2vec.features]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.features.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
attrs = ["SHAPE","PREFIX","SUFFIX"]
rows = [1000,1000,2000]
include_static_vectors = false

[model.tok2vec.features.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 64
depth = 1
window_size = 1
maxout_pieces = 3

[model.tok2vec.context]
@architectures = "mountner.ContextEncoder.v1"
depth = 1
window_size = 1
maxout_pieces = 3
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


def make_mountner(nlp: Language, name: str, model: Model, labels: List[str], head_lr_scale: float, decoder: "BioDecoder",
                  scorer: Optional[Callable]) -> "MountainTagger":
    return MountainTagger(nlp.vocab, model, name, labels=labels, head_lr_scale=head_lr_scale, decoder=decoder, scorer=scorer)


MOUNTNER_FACTORY = dict(
    assigns=["doc.ents", "token.ent_iob", "token.ent_type", "span._.confidence", "span._.mountner_source", "doc._.mountner_probs"],
    default_config={
        "model": DEFAULT_MODEL,
        "labels": ["MOUNTAIN"],
        "head_lr_scale": 10.0,
        "decoder": {"@misc": "mountner.bio_decoder.v1"},
        "scorer": {"@scorers": "spacy.ner_scorer.v1"},
    },
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
Language.factory("mountner", **MOUNTNER_FACTORY)(make_mountner)


class MountainGazetteer(Pipe):
    """Puts the known mountain names in a doc (longest match, exact case) in doc.spans[KNOWN_NAMES],
    for mountner. The names come from a file at initialize and are saved with the pipeline."""

    def __init__(self, nlp: Language, name: str = "mountner_gazetteer"):
        self.name = name
        self.vocab = nlp.vocab
        self._make_doc = nlp.make_doc
        self.set_names([])

    def set_names(self, names: Iterable[str]) -> None:
        self.names = sorted({name.strip() for name in names if name.strip()})
        self._matcher = PhraseMatcher(self.vocab, attr="ORTH")
        if self.names:
            self._matcher.add("KNOWN", [self._make_doc(name) for name in self.names])

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None, names_file: Optional[str] = None) -> None:
        """names_file: one name a line (convert writes corpus/known_names.txt); none: no names."""
        if names_file:
            if not Path(names_file).is_file():
                raise ValueError(f"mountner_gazetteer: names file {names_file} not found (convert --known-names writes it)")
            self.set_names(Path(names_file).read_text(encoding="utf8").splitlines())

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[KNOWN_NAMES] = filter_spans([doc[start:end] for _, start, end in self._matcher(doc)])
        return doc

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"names": self.names})

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "MountainGazetteer":
        self.set_names(srsly.msgpack_loads(bytes_data)["names"])
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "names.json", self.names)

    def from_disk(self, path, *, exclude=tuple()) -> "MountainGazetteer":
        self.set_names(srsly.read_json(Path(path) / "names.json"))
        return self


def make_mountner_gazetteer(nlp: Language, name: str) -> MountainGazetteer:
    return MountainGazetteer(nlp, name)


Language.factory("mountner_gazetteer", assigns=["doc.spans"])(make_mountner_gazetteer)


@registry.misc("mountner.bio_decoder.v1")
def make_bio_decoder(
    mask_punctuation: bool = True,
    drop_before_capital: bool = True,
    known_name_min_prob: Optional[float] = 0.0001,
) -> "BioDecoder":
    """How mountner turns tag probabilities into entities: a Viterbi search over well-formed BIO plus
    rules that can each be switched off here (scripts/decoder_rules.py measures what each is worth)."""
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


def _use_threaded_cpu_gemm(model: Model) -> None:
    """On CPU, thinc multiplies matrices with blis, on one thread; numpy's BLAS uses all cores, and runs the
    context layer about 3x faster on 2 of them. Only this component's layers move; on a GPU nothing does."""
    threaded = NumpyOps(use_blis=False)
    for node in model.walk():
        if type(node.ops) is NumpyOps and node.ops.use_blis:
            node.ops = threaded


class MountainTagger(TrainablePipe):
    """Tags each token O / B-<label> / I-<label>, decodes well-formed BIO with Viterbi and
    sets doc.ents, each entity with a confidence: the lowest tag probability inside it and
    of the token after it not continuing it."""

    def __init__(
        self, vocab, model: Model, name: str = "mountner", *, labels: Sequence[str] = ("MOUNTAIN",),
        head_lr_scale: float = 10.0, decoder: Optional[BioDecoder] = None, scorer: Optional[Callable] = get_ner_prf,
    ):
        self.vocab = vocab
        self.model = model
        _use_threaded_cpu_gemm(model)
        self.name = name
        self.decoder = decoder if decoder is not None else BioDecoder()
        self.cfg = {"labels": list(labels), "head_lr_scale": head_lr_scale}
        self.scorer = scorer
        self._setup_tags()

    def _setup_tags(self) -> None:
        self.tags = bio_tags(self.cfg["labels"])

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    def add_label(self, label: str) -> int:
        if label in self.cfg["labels"]:
            return 0
        self._allow_extra_label()
        self.cfg["labels"].append(label)
        self._setup_tags()
        return 1

    def predict(self, docs: Iterable[Doc]) -> List[numpy.ndarray]:
        docs = list(docs)
        # Empty docs are left out: the transformer listener gives them zero-width vectors.
        non_empty = [doc for doc in docs if len(doc)]
        scores = iter(self.model.predict(non_empty) if non_empty else [])
        return [self.model.ops.to_numpy(next(scores)) if len(doc) else numpy.zeros((0, len(self.tags)), dtype="f") for doc in docs]

    def set_annotations(self, docs: Iterable[Doc], scores: List[numpy.ndarray]) -> None:
        outside = self.tags.index(OUTSIDE)
        for doc, probs in zip(docs, scores):
            probs, ents = self.decoder(doc, numpy.array(probs), self.tags)
            doc.set_ents(sorted(ents), default="outside")
            # Each token's probability of the tag it ends up with (after the rules and the known names).
            final = numpy.full(len(doc), outside)
            for ent in ents:
                final[ent.start] = self.tags.index(f"B-{ent.label_}")
                final[ent.start + 1:ent.end] = self.tags.index(f"I-{ent.label_}")
            doc._.mountner_probs = probs[numpy.arange(len(doc)), final].tolist()

    def get_loss(self, examples: Iterable[Example], scores: List[Floats2d]) -> Tuple[float, List[Floats2d]]:
        validate_examples(examples, "MountainTagger.get_loss")
        loss_func = SequenceCategoricalCrossentropy(names=self.tags, normalize=False, missing_value=None)
        truths = [[_biluo_to_bio(tag) for tag in eg.get_aligned_ner()] for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"NaN loss in component '{self.name}'")
        return float(loss), d_scores

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None, losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)  # validation iterates, and a generator would come back empty
        validate_examples(examples, "MountainTagger.update")
        examples = [eg for eg in examples if len(eg.predicted)]
        if not examples:
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def finish_update(self, sgd) -> None:
        """Update this component's own layers at head_lr_scale times the learning rate.

        The output layer starts from zero and the form embeddings at random, while the transformer
        (updated by its own component) is pretrained: at a rate that suits fine-tuning, the head
        would barely move in a short CPU run. Adam ignores the size of a gradient, so only the rate
        can do this."""
        for node in self.model.walk():
            for shim in node.shims:
                shim.finish_update(sgd)
            for name in node.param_names:
                if node.has_grad(name):
                    param, _ = sgd((node.id, name), node.get_param(name), node.get_grad(name), lr_scale=self.cfg["head_lr_scale"])
                    node.set_param(name, param)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None, labels: Optional[Sequence[str]] = None) -> None:
        validate_get_examples(get_examples, "MountainTagger.initialize")
        if labels is not None:
            self.cfg["labels"] = list(labels)
        else:
            found = sorted({ent.label_ for eg in get_examples() for ent in eg.reference.ents})
            for label in found:
                if label not in self.cfg["labels"]:
                    self.cfg["labels"].append(label)
        self._setup_tags()
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.get_ref("output").set_dim("nO", len(self.tags))
        self.model.initialize(X=sample)

    def _allow_extra_label(self) -> None:
        if self.model.has_dim("nO") and self.model.get_ref("output").has_dim("nO"):
            raise ValueError(f"Cannot add a label to '{self.name}' after it has been initialized.")

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        super().from_bytes(bytes_data, exclude=exclude)
        self._setup_tags()
        return self

    def from_disk(self, path, *, exclude=tuple()):
        super().from_disk(path, exclude=exclude)
        self._setup_tags()
        return self


def _biluo_to_bio(tag: Optional[str]) -> Optional[str]:
    """Aligned gold tags come as BILUO; '-' or None means unknown, which the loss skips."""
    if tag is None or tag == "-":
        return None
    if tag == OUTSIDE:
        return OUTSIDE
    prefix, label = tag.split("-", 1)
    return ("B-" if prefix in ("B", "U") else "I-") + label


def _capitalised(doc: Doc, i: int) -> bool:
    """Whether token i exists and is a capitalised word (so it would be part of a longer name)."""
    return i < len(doc) and doc[i].is_alpha and doc[i].text[:1].isupper()


def bio_entity_spans(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    """(start, end, label) of the entities in well-formed BIO tags, end exclusive."""
    spans, start = [], None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        if start is not None and not tag.startswith("I-"):
            spans.append((start, i, tags[start][2:]))
            start = None
        if tag.startswith("B-"):
            start = i
    return spans


# ------------------------------------------------------------------------------------------------
# Fast inference (issue 16): the `mountner_transformer` factory, spacy-transformers' Transformer with
# an nlp.pipe that reads docs of similar length together and, on CPU, an int8 copy of the encoder.
# Profiled with cProfile on nlp.pipe over real sentences: ~95% of the time is the encoder's torch ops
# (about 70% in its Linear layers), so padding and the Linear layers are what can be cut.

import warnings  # noqa: E402

from spacy_transformers.pipeline_component import DEFAULT_CONFIG as _TRANSFORMER_DEFAULTS  # noqa: E402
from spacy_transformers.pipeline_component import Transformer, install_extensions  # noqa: E402
from spacy_transformers.util import batch_by_length  # noqa: E402

# Docs held back for sorting are also bounded by their characters, so that long docs (which carry
# their transformer output until they leave the pipeline) keep memory bounded.
SORT_BUFFER_CHARS = 200_000


class LengthSortedTransformer(Transformer):
    """The transformer component, with two inference-only changes; training is untouched.

    - pipe(): within a buffer of sort_buffer docs, batches hold docs of similar length in word pieces,
      so that the encoder pads little; docs still leave in input order. The built-in pipe sorts only
      within one batch, and a batch of real sentences then pads to about 2.7x its word pieces.
    - quantize (off by default): in a pipeline loaded from disk and run on CPU, predictions use a copy
      of the encoder whose Linear layers are dynamically quantized to int8 (torch's quantize_dynamic),
      about 2x faster again. The saved weights stay float32; update() (training again) drops the copy.
      Off by default: on MiniLM-L6 the last hidden states move by about 36% (relative L2) under int8,
      so a trained model's scores must be checked (evaluate) before turning it on.
    """

    def __init__(self, vocab, model: Model, set_extra_annotations: Callable, *, name: str = "transformer",
                 max_batch_items: int = 4096, sort_buffer: int = 1024, quantize: bool = False):
        super().__init__(vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items)
        # Attributes, not self.cfg: cfg is saved with the weights and would override the config on load.
        self.sort_buffer = max(1, sort_buffer)
        self.quantize = quantize
        self._loaded = False
        self._int8_encoder = None

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        install_extensions()
        for buffer in _bounded_buffers(stream, self.sort_buffer, SORT_BUFFER_CHARS):
            lengths = self._encoder_lengths(buffer)
            order = sorted(range(len(buffer)), key=lengths.__getitem__)
            for start in range(0, len(order), batch_size):
                batch = [buffer[i] for i in order[start : start + batch_size]]
                for indices in batch_by_length(batch, self.cfg["max_batch_items"]):
                    sub_batch = [batch[i] for i in indices]
                    self.set_annotations(sub_batch, self.predict(sub_batch))
            yield from buffer

    def _encoder_lengths(self, docs: List[Doc]) -> List[int]:
        """What the encoder pads to: word pieces per doc (characters only before the tokenizer is loaded).

        Characters are a poor proxy: on real sentences, batches sorted by characters still carry 1.48x
        the word pieces, by word pieces 1.12x. The fast tokenizer costs little next to the encoder.
        """
        try:
            tokenizer = self.model.tokenizer
        except (AttributeError, IndexError):
            tokenizer = None
        if tokenizer is None:
            return [len(doc.text) for doc in docs]
        pieces = tokenizer([doc.text for doc in docs], add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False)
        return [len(ids) for ids in pieces["input_ids"]]

    def predict(self, docs: Iterable[Doc]):
        encoder_layer = self.model.layers[0] if self.model.layers else None
        int8 = self._int8_for(encoder_layer.shims[0]) if encoder_layer is not None and self.quantize and self._loaded else None
        if int8 is None:
            return super().predict(docs)
        shim = encoder_layer.shims[0]
        float32, shim._model = shim._model, int8
        try:
            return super().predict(docs)
        finally:
            shim._model = float32

    def _int8_for(self, shim):
        if self._int8_encoder is None:
            encoder = shim._model
            on_cpu = all(p.device.type == "cpu" for p in encoder.parameters())
            if not on_cpu or not _int8_supported():
                self.quantize = False
                return None
            import torch

            with warnings.catch_warnings():
                # torch 2.10+ points eager-mode quantization users to torchao; the API still works.
                warnings.simplefilter("ignore")
                self._int8_encoder = torch.ao.quantization.quantize_dynamic(encoder, {torch.nn.Linear}, dtype=torch.qint8).eval()
        return self._int8_encoder

    def update(self, *args, **kwargs):
        self._loaded, self._int8_encoder = False, None
        return super().update(*args, **kwargs)

    def from_disk(self, *args, **kwargs):
        result = super().from_disk(*args, **kwargs)
        self._loaded, self._int8_encoder = True, None
        return result

    def from_bytes(self, *args, **kwargs):
        result = super().from_bytes(*args, **kwargs)
        self._loaded, self._int8_encoder = True, None
        return result


def _bounded_buffers(docs: Iterable[Doc], max_docs: int, max_chars: int) -> Iterator[List[Doc]]:
    buffer: List[Doc] = []
    chars = 0
    for doc in docs:
        buffer.append(doc)
        # len(doc.text) without building the text (Doc.text joins every token's text in Python)
        chars += doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
        if len(buffer) >= max_docs or chars >= max_chars:
            yield buffer
            buffer, chars = [], 0
    if buffer:
        yield buffer


def _int8_supported() -> bool:
    import torch

    return any(engine in torch.backends.quantized.supported_engines for engine in ("fbgemm", "x86", "qnnpack"))


def make_length_sorted_transformer(nlp: Language, name: str, model: Model, set_extra_annotations: Callable, max_batch_items: int,
                                   sort_buffer: int, quantize: bool) -> LengthSortedTransformer:
    return LengthSortedTransformer(nlp.vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items,
                                   sort_buffer=sort_buffer, quantize=quantize)


Language.factory(
    "mountner_transformer",
    assigns=["doc._.trf_data"],
    default_config={**dict(_TRANSFORMER_DEFAULTS["transformer"]), "sort_buffer": 1024, "quantize": False},
)(make_length_sorted_transformer)
