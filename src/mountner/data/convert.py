"""convert: word-level BIO rows into spaCy DocBin files, split so that no test name is seen in training."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import List, Optional

import spacy
import typer
from spacy.tokens import DocBin
from tqdm import tqdm

from mountner.atomic_write import open_atomic
from mountner.data.corpus_io import DataError, Sentence, name_key, read_sentences, sentence_names, words_to_doc
from mountner.data.gazetteer import load_mountains


MAX_MISALIGNED_SHARE = 0.01


def name_split(name: str, heldout_fraction: float, seed: int) -> str:
    """Held-out names are chosen by a hash, so the choice is stable across runs and data sizes."""
    digest = hashlib.sha1(f"{seed}:{name}".encode("utf8")).hexdigest()
    return "test" if int(digest[:8], 16) / 0xFFFFFFFF < heldout_fraction else "train"


def assign_split(sentence: Sentence, heldout_fraction: float, dev_fraction: float, seed: int, rng: random.Random) -> Optional[str]:
    """test: only held-out names; train/dev: only training names (or none). Mixed: None (dropped)."""
    splits = {name_split(name, heldout_fraction, seed) for name in sentence_names(sentence)}
    if splits == {"test"}:
        return "test"
    if "test" in splits:
        return None
    if not splits and rng.random() < heldout_fraction:
        # Sentences with no mountain are split too, so test measures false positives as well.
        return "test"
    return "dev" if rng.random() < dev_fraction else "train"


def docs_from_sentences(nlp, sentences: List[Sentence], what: str) -> tuple[list, dict]:
    """Align every sentence to the tokenizer; count what does not align; fail past 1% of spans."""
    docs, report = [], {"sentences": len(sentences), "spans": 0, "misaligned_spans": 0, "dropped_sentences": 0, "repaired_i_after_o": 0}
    for sentence in tqdm(sentences, desc=f"align {what}", unit="sent", leave=False):
        doc, n_misaligned = words_to_doc(nlp, sentence)
        report["spans"] += sum(tag.startswith("B-") for tag in sentence.tags)
        report["repaired_i_after_o"] += sentence.repaired
        if doc is None:
            report["misaligned_spans"] += n_misaligned
            report["dropped_sentences"] += 1
            typer.echo(f"  not aligned, skipped: {sentence.where}: {sentence.text[:80]!r}", err=True)
            continue
        docs.append((sentence, doc))
    if report["spans"] and report["misaligned_spans"] / report["spans"] > MAX_MISALIGNED_SHARE:
        raise DataError(
            f"{what}: {report['misaligned_spans']} of {report['spans']} entity spans do not align with spaCy's "
            f"tokens (over {MAX_MISALIGNED_SHARE:.0%}); see the lines listed above"
        )
    return docs, report


def read_nonempty(path: Path) -> List[Sentence]:
    """read_sentences, refusing a file without a sentence (empty DocBins would train on nothing)."""
    sentences = read_sentences(path)
    if not sentences:
        raise DataError(f"{path}: no sentences in it; check that it is the right file, or regenerate it with "
                        "`python -m spacy project run generate`")
    return sentences


def main(
    inputs: List[Path] = typer.Argument(..., help="Word rows (corpus/mountains.csv), seed-layout CSV, or IOB/CoNLL files"),
    output_dir: Path = typer.Option(Path("corpus"), help="Where train.spacy, dev.spacy and test.spacy go"),
    extra_train: List[Path] = typer.Option([], help="Your own annotated IOB/CoNLL/CSV files, added to train only"),
    heldout_fraction: float = typer.Option(0.15, help="Share of mountain names held out for test"),
    dev_fraction: float = typer.Option(0.1, help="Share of the remaining sentences for dev"),
    seed: int = typer.Option(0),
    lang: str = typer.Option("en", help="Language of the tokenizer (the pipeline's)"),
    report: Path = typer.Option(Path("corpus/convert_report.json")),
    gazetteer: Optional[Path] = typer.Option(
        None, help="A mountains TSV (assets/gazetteer/mountains.tsv): its names, less the held-out ones, go to --known-names"),
    known_names: Path = typer.Option(
        Path("corpus/known_names.txt"), help="The tagger's list of known names, one a line; test names are left out so test stays unseen"),
):
    """Split generated sentences by mountain name and write spaCy DocBin files."""
    nlp = spacy.blank(lang)
    rng = random.Random(seed)
    try:
        sentences = [s for path in inputs for s in read_nonempty(path)]
        extra = [s for path in extra_train for s in read_nonempty(path)]
        aligned, totals = docs_from_sentences(nlp, sentences, "generated data")
        extra_aligned, extra_totals = docs_from_sentences(nlp, extra, "extra training data")
    except DataError as err:
        typer.secho(f"convert: {err}", fg="red", err=True)
        raise typer.Exit(1)
    # Origins (doc.user_data) go only where evaluate scores by origin. In train they would cost a msgpack
    # decode per doc on every pass `spacy train` makes over the corpus, about 16 s a pass for 42,000 docs.
    splits = {"train": DocBin(), "dev": DocBin(store_user_data=True), "test": DocBin(store_user_data=True)}
    sizes = {name: {"sentences": 0, "entities": 0, "tokens": 0} for name in splits}
    mixed = 0
    split_docs = [(assign_split(sentence, heldout_fraction, dev_fraction, seed, rng), doc) for sentence, doc in aligned]
    for split, doc in split_docs + [("train", doc) for _, doc in extra_aligned]:
        if split is None:
            mixed += 1
            continue
        splits[split].add(doc)
        sizes[split]["sentences"] += 1
        sizes[split]["entities"] += len(doc.ents)
        sizes[split]["tokens"] += len(doc)
    for name, docbin in splits.items():
        with open_atomic(output_dir / f"{name}.spacy", "wb") as f:
            f.write(docbin.to_bytes())
    summary = {"splits": sizes, "generated": totals, "extra_train": extra_totals, "dropped_mixed_split_sentences": mixed}
    if gazetteer is not None:
        try:
            names = load_mountains(gazetteer)["name"]
        except (OSError, ValueError) as err:
            typer.secho(f"convert: {err}", fg="red", err=True)
            raise typer.Exit(1)
        kept = [name for name in names if name_split(name_key(name), heldout_fraction, seed) == "train"]
        with open_atomic(known_names, "w", encoding="utf8") as f:
            f.write("".join(f"{name}\n" for name in kept))
        summary["known_names"] = {"gazetteer": len(names), "kept": len(kept), "held_out_for_test": len(names) - len(kept)}
    with open_atomic(report, "w", encoding="utf8") as f:
        f.write(json.dumps(summary, indent=2))
    for name, size in sizes.items():
        typer.echo(f"{name:5}  {size['sentences']:6} sentences  {size['entities']:6} entities  {size['tokens']:7} tokens")
    typer.echo(
        f"aligned spans: {totals['spans'] - totals['misaligned_spans']}/{totals['spans']}, "
        f"sentences skipped (misaligned): {totals['dropped_sentences']}, mixed train/test names dropped: {mixed}, "
        f"I- after O repaired: {totals['repaired_i_after_o']}"
    )
    if extra_train:
        typer.echo(
            f"extra training data: {extra_totals['sentences']} sentences, "
            f"aligned spans: {extra_totals['spans'] - extra_totals['misaligned_spans']}/{extra_totals['spans']}, "
            f"sentences skipped (misaligned): {extra_totals['dropped_sentences']}, "
            f"I- after O repaired: {extra_totals['repaired_i_after_o']} (all in train)"
        )

