"""decoder-rules: what each of mountner's decoder rules is worth. The tagger runs once per sentence; its
probabilities are then decoded with each rule switched off in turn (and with none), and every variant is
scored with seqeval like `evaluate` does, on the unseen-name test split, dev and real annotated text. On the
real files each variant's change from the configured decoder carries a 95% paired bootstrap interval
(compare_models): the variants differ in a few entities, which two separate intervals could not show."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

import numpy
import typer
from spacy.tokens import DocBin
from spacy.util import minibatch, registry
from tqdm import tqdm

from mountner.atomic_write import write_text_atomic
from mountner.evaluation.compare import paired_prf, paired_rate
from mountner.data.corpus_io import DataError, doc_to_word_tags, read_sentences
from mountner.evaluation.scoring import sentence_entity_counts, seqeval_prf, tags_from_doc
from mountner.model_loading import load_or_exit
from mountner.evaluation.tables import paired_change, replace_block


START, END = "<!-- decoder-rules:start -->", "<!-- decoder-rules:end -->"
RULES = ("mask_punctuation", "drop_before_capital")


def variants(decoder_config: dict) -> Dict[str, dict]:
    """The model's own decoder, then each rule off in turn, the known names off, and all of it off."""
    base = {key: value for key, value in decoder_config.items() if not key.startswith("@")}
    out = {"all rules (as configured)": base}
    for rule in RULES:
        out[f"without {rule}"] = {**base, rule: False}
    out["without known names"] = {**base, "known_name_min_prob": None}
    out["Viterbi alone (no rule, no known names)"] = {**base, **{rule: False for rule in RULES}, "known_name_min_prob": None}
    return out


def decode_all(nlp, texts: List[str], to_tags, configs: Dict[str, dict], batch_size: int, desc: str) -> Dict[str, List[List[str]]]:
    """Predicted word tags per variant: the pipeline runs once, the decoder once per variant."""
    tagger = nlp.get_pipe("mountner")
    original = tagger.decoder
    decoders = {name: registry.misc.get("mountner.bio_decoder.v1")(**config) for name, config in configs.items()}
    tags: Dict[str, List[List[str]]] = {name: [] for name in configs}
    try:
        with tqdm(total=len(texts), desc=desc, leave=False) as bar:
            for batch in minibatch(list(enumerate(texts)), size=batch_size * 4):
                with nlp.select_pipes(disable=["mountner"]):
                    docs = list(nlp.pipe((text for _, text in batch), batch_size=batch_size))
                scores = tagger.predict(docs)
                for name, decoder in decoders.items():
                    tagger.decoder = decoder
                    tagger.set_annotations(docs, scores)
                    tags[name].extend(to_tags(i, doc) for (i, _), doc in zip(batch, docs))
                bar.update(len(batch))
    finally:
        tagger.decoder = original
    return tags


def _change(row: Optional[dict], spec: str, metric: str = "") -> str:
    """'; F1 +0.004 (-0.003 to +0.012)': a variant's paired change from the configured decoder; empty for that decoder."""
    return f"; {metric}{paired_change(row, spec)}" if row else ""


def table(results: Dict[str, Dict[str, dict]], sets: List[str]) -> str:
    free = any("mountain-free" in by_set for by_set in results.values())
    header = "| decoder | " + " | ".join(f"{s} P / R / F1" for s in sets) + (" | false names per 1,000 mountain-free sentences" if free else "")
    lines = [header + " |", "|---" * (len(sets) + 1 + free) + "|"]
    for variant, by_set in results.items():
        cells = [" / ".join(f"{by_set[s][k]:.3f}" for k in ("precision", "recall", "f1")) + _change(by_set[s].get("f1_change"), ".3f", "F1 ")
                 for s in sets]
        if free:
            cells.append(f"{by_set['mountain-free']['fp_per_1000']:.1f}" + _change(by_set["mountain-free"].get("change"), ".1f"))
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_changes(per_sentence: Dict[str, numpy.ndarray], compare) -> Dict[str, Optional[dict]]:
    """Each variant against the first (the configured decoder), on the same sentences; None for the first."""
    first, *others = per_sentence
    return {first: None, **{variant: compare(per_sentence[first], per_sentence[variant]) for variant in others}}


def main(
    model: str = typer.Argument(..., help="Trained pipeline folder or package"),
    test: Path = typer.Option(Path("corpus/test.spacy"), help="Unseen-name test split"),
    dev: Path = typer.Option(Path("corpus/dev.spacy"), help="Dev split"),
    iob: Optional[Path] = typer.Option(None, help="Real annotated text (IOB); skipped when absent"),
    negatives: Optional[Path] = typer.Option(None, help="Real sentences that name no mountain (IOB): false names per 1,000; skipped when absent"),
    output: Path = typer.Option(Path("metrics/decoder_rules.json")),
    docs_page: Optional[Path] = typer.Option(None, "--docs", help="Write the table into this page between the decoder-rules markers (docs/tagger.md)"),
    batch_size: int = typer.Option(64, min=1),
):
    """Score the decoder with each rule switched off in turn."""
    nlp = load_or_exit(model, "decoder_rules")
    if "mountner" not in nlp.pipe_names:
        typer.secho(f"decoder_rules: {model} has no mountner component", fg="red", err=True)
        raise typer.Exit(1)
    configs = variants(dict(nlp.config["components"]["mountner"]["decoder"]))
    results: Dict[str, Dict[str, dict]] = {name: {} for name in configs}
    sets: List[str] = []
    for name, path in (("test", test), ("dev", dev)):
        gold_docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        gold = [tags_from_doc(doc) for doc in gold_docs]
        predicted = decode_all(nlp, [d.text for d in gold_docs], lambda i, doc: tags_from_doc(doc), configs, batch_size, name)
        for variant, tags in predicted.items():
            results[variant][name] = seqeval_prf(gold, tags)
        sets.append(name)
    if iob is not None and iob.is_file():
        try:
            sentences = read_sentences(iob)
        except DataError as err:
            typer.secho(f"decoder_rules: {err}", fg="red", err=True)
            raise typer.Exit(1)
        predicted = decode_all(nlp, [s.text for s in sentences], lambda i, doc: doc_to_word_tags(doc, sentences[i]), configs,
                               batch_size, iob.name)
        gold = [s.tags for s in sentences]
        changes = paired_changes({variant: sentence_entity_counts(gold, tags) for variant, tags in predicted.items()},
                                 lambda a, b: paired_prf(a, b)["f1"])
        for variant, tags in predicted.items():
            results[variant]["real"] = {**seqeval_prf(gold, tags), "f1_change": changes[variant]}
        sets.append("real")
    elif iob is not None:
        typer.echo(f"decoder_rules: {iob} not found, real text skipped")
    if negatives is not None and negatives.is_file():
        try:
            texts = [s.text for s in read_sentences(negatives)]
        except DataError as err:
            typer.secho(f"decoder_rules: {err}", fg="red", err=True)
            raise typer.Exit(1)
        predicted = decode_all(nlp, texts, lambda i, doc: len(doc.ents), configs, batch_size, negatives.name)
        changes = paired_changes({variant: numpy.array(counts, dtype="int64") for variant, counts in predicted.items()}, paired_rate)
        for variant, counts in predicted.items():
            found = sum(counts)
            results[variant]["mountain-free"] = {"sentences": len(texts), "false_names": found, "fp_per_1000": 1000 * found / max(1, len(texts)),
                                                 "change": changes[variant]}
    elif negatives is not None:
        typer.echo(f"decoder_rules: {negatives} not found, mountain-free text skipped")
    text = table(results, sets)
    typer.echo(text)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(output, json.dumps({"model": model, "variants": configs, "results": results}, indent=2))
    if docs_page is not None:
        replace_block(docs_page, START, END, text + f"\n\nWritten by `python -m spacy project run decoder-rules` ({output}).")

