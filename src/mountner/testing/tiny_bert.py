"""A randomly initialised BERT with a WordPiece vocabulary learnt from given texts, saved as a local
Hugging Face folder: the tests' tiny encoder, and the bert-base-cased-shaped encoder of the GPU
benchmark where the hub (and so the real weights) cannot be reached."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable


def build_random_bert(
    texts: Iterable[str],
    output: Path,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 2,
    intermediate: int = 128,
    vocab_size: int = 2000,
) -> Path:
    """Cased WordPiece (like bert-base-cased) and BertModel weights from BertConfig, no download."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(list(texts), trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    output.mkdir(parents=True, exist_ok=True)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    (output / "vocab.txt").write_text("\n".join(token for token, _ in vocab) + "\n", encoding="utf8")
    BertTokenizerFast(vocab_file=str(output / "vocab.txt"), do_lower_case=False).save_pretrained(output)
    config = BertConfig(
        # The embedding table keeps the requested size even where the texts yield fewer pieces.
        vocab_size=max(len(vocab), vocab_size),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(output)
    return output


def build_tiny_bert(texts: Iterable[str], output: Path) -> Path:
    """Two layers, 64 wide: the real transformer pipeline trains in seconds in the tests."""
    return build_random_bert(texts, output)


def build_bert_base_shaped(texts: Iterable[str], output: Path) -> Path:
    """bert-base-cased's shape: 12 layers, 768 wide, 12 heads, 3072 inner, 28,996 word pieces."""
    return build_random_bert(texts, output, hidden=768, layers=12, heads=12, intermediate=3072, vocab_size=28996)
