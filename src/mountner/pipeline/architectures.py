"""MountNER's model code (thinc layers, as spacy/ml/models is spaCy's): the tok2vec that joins the transformer's
vectors with small embeddings of each word's form (`mountner.ConcatTok2Vec.v1`-`v3`), the context layer over the
joined vectors (`mountner.ContextEncoder.v1`/`v2`), the per-token softmax over BIO tags (`mountner.TokenTagger.v1`)
and the mountner component's default model config, which wires them together. spaCy finds the architectures
through the package's `spacy_architectures` entry points."""

from typing import List, Optional

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Config, Linear, Maxout, Model, Softmax, chain, clone, concatenate, expand_window, residual, with_array
from thinc.types import Floats2d

from mountner.pipeline.span_getters import doc_sentences


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


# The mountner component's default model: the transformer's vectors joined with form features, a context layer, a softmax.
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
