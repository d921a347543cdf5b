"""teach: label real, unlabeled text with a teacher and keep, sentence by sentence, only what the teacher is
sure of, as a DocBin that training can take in.

    python -m mountner teach assets/gazetteer/wordnet_glosses.txt --output corpus/teacher.spacy --teacher model
    python -m mountner teach notes.jsonl --output corpus/teacher.spacy --teacher llm --llm-model gpt-4o-mini

INPUT is what `tag` reads, read with its reader: a text file (one document a line), a JSONL file
({"text", "id"} a line) or a folder of .txt files; a bad line is reported with its line number and counted, never
fatal. Each document is cut into sentences (spaCy's sentencizer); each sentence becomes one example.

- model (offline): the trained pipeline. A sentence is kept when every entity has ent._.confidence >=
  MIN_CONFIDENCE and no token outside them may be part of a name (probability above 1 - MIN_CONFIDENCE);
  a sentence with no entity is kept, on the same terms, as a negative ("no mountain here").
- llm: an OpenAI-compatible chat model lists the mountains of each sentence under the project's guideline.
  Its answer is untrusted: every name must occur verbatim in its sentence and cover whole tokens, or the
  sentence is dropped (teach_llm.py; the sentences both teachers see are cut in teach_sentences.py).

Every dropped sentence is counted by reason, in the printed summary and the --report JSON. OUTPUT is replaced
only by a run that completes; a failed run leaves an existing one as it was.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

import typer
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from tqdm import tqdm

from mountner.atomic_write import open_atomic, write_text_atomic
from mountner.generation.llm.client import AuthError, GenerationError, redact, require_api_key
from mountner.inference.tag import read_records
from mountner.model_loading import load_or_exit
from mountner.training.teach_llm import TEACH_PROMPT_VERSION, LlmTeacher
from mountner.training.teach_sentences import Tally, labelled_doc, sentence_splitter, split_sentences


class Teacher(str, Enum):
    model = "model"
    llm = "llm"


class TeachError(Exception):
    """Bad input or options: one line for the user, exit status 1."""


# Why the model's labels for a sentence were not kept.
DROP_LOW_CONFIDENCE = "entity below min confidence"
DROP_UNCERTAIN_TOKEN = "uncertain token outside the entities"


# ---------------------------------------------------------------- the model as teacher


def has_mountner(nlp: Language) -> bool:
    return any(nlp.get_pipe_meta(name).factory == "mountner" for name in nlp.pipe_names)


def model_doubt(doc: Doc, min_confidence: float) -> Optional[str]:
    """Why the model's labels for this sentence are not to be trusted, or None."""
    if any(ent._.confidence < min_confidence for ent in doc.ents):
        return DROP_LOW_CONFIDENCE
    inside = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    # token._.mountner_prob is the probability of the tag the token ended up with: for a token outside every
    # entity that is P(O), so 1 - P(O) is its probability of being part of a name.
    if any(1.0 - token._.mountner_prob > 1.0 - min_confidence for token in doc if token.i not in inside):
        return DROP_UNCERTAIN_TOKEN
    return None


def teach_with_model(nlp: Language, sentences: Iterable[str], min_confidence: float, batch_size: int, tally: Tally, bar) -> Iterator[Doc]:
    for doc in nlp.pipe(sentences, batch_size=batch_size):
        bar.update(1)
        reason = model_doubt(doc, min_confidence)
        if reason is not None:
            tally.dropped[reason] += 1
            continue
        # Only the tokens and the entities go out: the model's own sentence starts and extensions are not labels.
        yield tally.keep(labelled_doc(doc, [(ent.start, ent.end) for ent in doc.ents]))


# ---------------------------------------------------------------- CLI


def summary_lines(report: dict) -> List[str]:
    dropped = ", ".join(f"{reason} {n}" for reason, n in report["dropped"].items()) or "none"
    skipped = ", ".join(f"{reason} {n}" for reason, n in report["skipped"].items()) or "none"
    return [
        f"teach: kept {report['kept']} of {report['sentences_taught']} sentences in {report['output']}: "
        f"{report['kept_positives']} with {report['kept_entities']} mountains, {report['kept_negatives']} negatives",
        f"teach: dropped {sum(report['dropped'].values())}: {dropped}",
        f"teach: skipped before teaching: {skipped}; {report['documents']} documents read, {report['bad_lines']} bad lines skipped",
    ]


def main(
    input: Path = typer.Argument(..., help="Text file (a document a line), .jsonl/.ndjson ({\"text\", \"id\"}) or a folder of .txt files, as for tag.py"),
    output: Path = typer.Option(Path("corpus/teacher.spacy"), "--output", "-o",
                                help="DocBin of the kept sentences, entities set (replaced only by a run that completes)"),
    teacher: Teacher = typer.Option(Teacher.model, help="model: the trained pipeline (offline); llm: an OpenAI-compatible chat model (OPENAI_API_KEY)"),
    model: str = typer.Option("training/config/model-best", help="model teacher: installed package name or model folder"),
    min_confidence: float = typer.Option(0.9, min=0.0, max=1.0, help="model teacher: keep a sentence only if every entity is at least this sure and "
                                                                    "no other token is above 1 - this to be part of a name"),
    max_sentences: Optional[int] = typer.Option(None, min=1, help="Teach at most this many sentences (default: all)"),
    report: Path = typer.Option(Path("metrics/teach_report.json"), help="JSON summary: kept, dropped by reason, bad lines"),
    batch_size: int = typer.Option(64, min=1, help="model teacher: sentences per nlp.pipe batch"),
    llm_model: str = typer.Option("gpt-4o-mini", help="llm teacher: the chat model"),
    concurrency: int = typer.Option(8, min=1, help="llm teacher: requests in flight at most"),
    sentences_per_request: int = typer.Option(10, min=1, help="llm teacher: sentences per request"),
    timeout: float = typer.Option(60.0, min=0.1, help="llm teacher: client timeout per HTTP attempt, seconds"),
    max_retries: int = typer.Option(4, min=0, help="llm teacher: the client's retries on 429/5xx/timeouts/connection errors"),
):
    """Label the sentences of INPUT with a teacher and write those it is sure of to OUTPUT."""
    tally = Tally()
    teacher_report: dict = {}
    try:
        if not input.exists():
            raise TeachError(f"{input} not found: give a text file, a .jsonl file or a folder of .txt files")
        if teacher is Teacher.llm:
            require_api_key(offline_switch="--teacher model")  # before anything is read or written
        else:
            nlp = load_or_exit(model, "teach")
            if not has_mountner(nlp):
                raise TeachError(f"model {model!r} has no mountner component: the model teacher needs ent._.confidence and token._.mountner_prob")
        splitter = sentence_splitter()
        sentences = split_sentences(read_records(input), splitter, tally, max_sentences)
        doc_bin = DocBin()
        with tqdm(total=max_sentences, unit="sent", desc=f"teach ({teacher.value})", file=sys.stderr) as bar:
            if teacher is Teacher.model:
                for doc in teach_with_model(nlp, sentences, min_confidence, batch_size, tally, bar):
                    doc_bin.add(doc)
            else:
                llm = LlmTeacher(splitter, tally, bar, model=llm_model, concurrency=concurrency, sentences_per_request=sentences_per_request,
                                 timeout=timeout, max_retries=max_retries)
                try:
                    for doc in asyncio.run(llm.run(sentences)):
                        doc_bin.add(doc)
                finally:
                    teacher_report = llm.report()
        with open_atomic(output, "wb") as out:
            out.write(doc_bin.to_bytes())
    except TeachError as err:
        typer.secho(f"teach: error: {err}", fg="red", err=True)
        raise typer.Exit(1)
    except GenerationError as err:
        typer.secho(f"teach: error: {redact(str(err), os.environ.get('OPENAI_API_KEY'))}", fg="red", err=True)
        raise typer.Exit(3 if isinstance(err, AuthError) else 1)
    except KeyboardInterrupt:
        typer.secho(f"teach: interrupted; {output} was left as it was", fg="red", err=True)
        raise typer.Exit(130)
    summary = {
        "input": str(input), "output": str(output), "teacher": teacher.value,
        "model": model if teacher is Teacher.model else None, "min_confidence": min_confidence if teacher is Teacher.model else None,
        "prompt_version": TEACH_PROMPT_VERSION if teacher is Teacher.llm else None,  # the model teacher sends no prompt
        "documents": tally.documents, "bad_lines": tally.bad_lines, "bad_line_errors": tally.bad_line_errors,
        "skipped": dict(tally.skipped), "sentences_taught": tally.taught,
        "kept": tally.kept_positives + tally.kept_negatives, "kept_positives": tally.kept_positives,
        "kept_negatives": tally.kept_negatives, "kept_entities": tally.kept_entities,
        "dropped": dict(tally.dropped.most_common()),
        **({"llm": teacher_report} if teacher is Teacher.llm else {}),
    }
    write_text_atomic(report, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    for line in summary_lines(summary):
        typer.echo(line)
    typer.echo(f"teach: report in {report}")

