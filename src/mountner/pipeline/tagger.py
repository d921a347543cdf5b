"""The `mountner` component: `MountainTagger` tags each token O / B-<label> / I-<label> with the model in
architectures.py, decodes the tags with the BioDecoder (decoder.py) and sets doc.ents, each entity with a
confidence, and each token's probability of its tag. `make_mountner` is its factory, with the default config;
spaCy finds it through the package's `spacy_factories` entry point."""

from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Model, NumpyOps, SequenceCategoricalCrossentropy, set_dropout_rate
from thinc.types import Floats2d

from mountner.data.bio import OUTSIDE
from mountner.pipeline.architectures import DEFAULT_MODEL
from mountner.pipeline.decoder import BioDecoder, bio_tags
from mountner.pipeline.extensions import install_extensions

# The tagger sets doc._.mountner_probs (and its decoder the entities' extensions).
install_extensions()


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
