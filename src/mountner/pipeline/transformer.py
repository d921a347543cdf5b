"""The `mountner_transformer` factory: spacy-transformers' Transformer with an nlp.pipe that reads docs of
similar length together, on CPU an optional int8 copy of the encoder (issue 16), and optional bfloat16
autocast for training on CPUs that compute in bfloat16 natively.
Profiled with cProfile on nlp.pipe over real sentences: ~95% of the time is the encoder's torch ops (about 70%
in its Linear layers), so padding and the Linear layers are what can be cut. spaCy finds the factory through the
package's `spacy_factories` entry point."""

import warnings
from functools import lru_cache
from typing import Callable, Iterable, Iterator, List

import torch
from spacy.language import Language
from spacy.tokens import Doc
from spacy_transformers.pipeline_component import DEFAULT_CONFIG as _TRANSFORMER_DEFAULTS
from spacy_transformers.pipeline_component import Transformer, install_extensions
from spacy_transformers.util import batch_by_length
from thinc.api import Model

# Docs held back for sorting are also bounded by their characters, so that long docs (which carry
# their transformer output until they leave the pipeline) keep memory bounded.
SORT_BUFFER_CHARS = 200_000


class LengthSortedTransformer(Transformer):
    """The transformer component, with two inference-only changes and one for training on CPU.

    - pipe(): within a buffer of sort_buffer docs, batches hold docs of similar length in word pieces,
      so that the encoder pads little; docs still leave in input order. The built-in pipe sorts only
      within one batch, and a batch of real sentences then pads to about 2.7x its word pieces.
    - quantize (off by default): in a pipeline loaded from disk and run on CPU, predictions use a copy
      of the encoder whose Linear layers are dynamically quantized to int8 (torch's quantize_dynamic),
      about 2x faster again. The saved weights stay float32; update() (training again) drops the copy.
      Off by default: on MiniLM-L6 the last hidden states move by about 36% (relative L2) under int8,
      so a trained model's scores must be checked (evaluate) before turning it on.
    - cpu_mixed_precision (training only): update() runs the encoder's forward pass under torch's bfloat16
      autocast when the encoder is on a CPU with native bfloat16 (AVX512-BF16 or AMX); a training step then
      takes about three quarters of the time (docs/EXPERIMENTS.md, "bfloat16 autocast"). Weights, gradients and optimizer state stay float32 (autocast
      casts inside the graph), and predict() is untouched, so inference gives float32 answers. On a GPU,
      spacy-transformers' own `mixed_precision` is the switch; elsewhere this one does nothing.
    """

    def __init__(self, vocab, model: Model, set_extra_annotations: Callable, *, name: str = "transformer",
                 max_batch_items: int = 4096, sort_buffer: int = 1024, quantize: bool = False,
                 cpu_mixed_precision: bool = False):
        super().__init__(vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items)
        # Attributes, not self.cfg: cfg is saved with the weights and would override the config on load.
        self.sort_buffer = max(1, sort_buffer)
        self.quantize = quantize
        self.cpu_mixed_precision = cpu_mixed_precision
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
            if not _on_cpu(encoder) or not _int8_supported():
                self.quantize = False
                return None
            with warnings.catch_warnings():
                # torch 2.10+ points eager-mode quantization users to torchao; the API still works.
                warnings.simplefilter("ignore")
                self._int8_encoder = torch.ao.quantization.quantize_dynamic(encoder, {torch.nn.Linear}, dtype=torch.qint8).eval()
        return self._int8_encoder

    def update(self, *args, **kwargs):
        self._loaded, self._int8_encoder = False, None
        # The backward pass runs later (the listeners call it), outside this block: autograd keeps the
        # forward pass's casts, and autocast must not wrap backward anyway.
        encoder = self.model.layers[0].shims[0]._model if self.cpu_mixed_precision and self.model.layers else None
        if encoder is None or not _on_cpu(encoder) or not native_cpu_bf16():
            return super().update(*args, **kwargs)
        # spacy-transformers hands the encoder's outputs to numpy, which has no bfloat16: they leave as float32.
        hook = encoder.register_forward_hook(_outputs_to_float32)
        try:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return super().update(*args, **kwargs)
        finally:
            hook.remove()

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


def _outputs_to_float32(module, args, output):
    def cast(value):
        if torch.is_tensor(value) and value.dtype == torch.bfloat16:
            return value.float()
        return tuple(cast(v) for v in value) if isinstance(value, tuple) else value
    for key, value in output.items():  # a transformers ModelOutput: setting a key sets its attribute too
        output[key] = cast(value)
    return output


def _on_cpu(encoder: torch.nn.Module) -> bool:
    return all(p.device.type == "cpu" for p in encoder.parameters())


@lru_cache(maxsize=None)  # the CPU does not change; update() asks on every step
def native_cpu_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively; elsewhere bf16 autocast is emulated, and slower than float32."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch.cpu's own probes (private, hence getattr)
    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def _int8_supported() -> bool:
    return any(engine in torch.backends.quantized.supported_engines for engine in ("fbgemm", "x86", "qnnpack"))


def make_length_sorted_transformer(nlp: Language, name: str, model: Model, set_extra_annotations: Callable, max_batch_items: int,
                                   sort_buffer: int, quantize: bool, cpu_mixed_precision: bool) -> LengthSortedTransformer:
    return LengthSortedTransformer(nlp.vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items,
                                   sort_buffer=sort_buffer, quantize=quantize, cpu_mixed_precision=cpu_mixed_precision)


Language.factory(
    "mountner_transformer",
    assigns=["doc._.trf_data"],
    default_config={**dict(_TRANSFORMER_DEFAULTS["transformer"]), "sort_buffer": 1024, "quantize": False, "cpu_mixed_precision": False},
)(make_length_sorted_transformer)
