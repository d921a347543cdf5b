"""A tiny randomly initialised BERT, saved as a local Hugging Face folder, so the tests train the
real transformer pipeline without the hub and in seconds."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable


def build_tiny_bert(texts: Iterable[str], output: Path, hidden: int = 64, layers: int = 2) -> Path:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(list(texts), trainers.WordPieceTrainer(vocab_size=2000, special_tokens=specials))
    output.mkdir(parents=True, exist_ok=True)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    (output / "vocab.txt").write_text("\n".join(token for token, _ in vocab) + "\n", encoding="utf8")
    BertTokenizerFast(vocab_file=str(output / "vocab.txt"), do_lower_case=False).save_pretrained(output)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden * 2,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(output)
    return output
