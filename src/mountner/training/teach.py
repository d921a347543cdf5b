"""teach: label real, unlabeled text with a teacher and keep, sentence by sentence, only what the teacher is
sure of, as a DocBin that training can take in.

    python scripts/teach.py assets/gazetteer/wordnet_glosses.txt --output corpus/teacher.spacy --teacher model
    python scripts/teach.py notes.jsonl --output corpus/teacher.spacy --teacher llm --llm-model gpt-4o-mini

INPUT is what scripts/tag.py reads, read with its reader: a text file (one document a line), a JSONL file
({"text", "id"} a line) or a folder of .txt files; a bad line is reported with its line number and counted, never
fatal. Each document is cut into sentences (spaCy's sentencizer); each sentence becomes one example.

- model (offline): the trained pipeline. A sentence is kept when every entity has ent._.confidence >=
  MIN_CONFIDENCE and no token outside them may be part of a name (probability above 1 - MIN_CONFIDENCE);
  a sentence with no entity is kept, on the same terms, as a negative ("no mountain here").
- llm: an OpenAI-compatible chat model lists the mountains of each sentence under the project's guideline.
  Its answer is untrusted: every name must occur verbatim in its sentence and cover whole tokens, or the
  sentence is dropped.

Every dropped sentence is counted by reason, in the printed summary and the --report JSON. OUTPUT is replaced
only by a run that completes; a failed run leaves an existing one as it was.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans
from tqdm import tqdm

from mountner.atomic_write import open_atomic, write_text_atomic
from mountner.data.bio import LABEL, LABEL_GUIDELINE
from mountner.model_loading import load_or_exit
from mountner.generation.llm.answers import extract_json
from mountner.generation.llm.client import AuthError, GenerationError, auth_error, redact, require_api_key, server_unreachable, watched_client
from mountner.inference.predict import chunks
from mountner.inference.tag import MAX_REPORTED_ERRORS, read_records



class Teacher(str, Enum):
    model = "model"
    llm = "llm"


class TeachError(Exception):
    """Bad input or options: one line for the user, exit status 1."""


# A sentence of fewer words gives the tagger no context to learn from (a heading, "Ben Nevis.").
MIN_WORDS = 3
# As in generate_openai.py: connection attempts that may fail while the server has never answered, before the
# run stops (enough to ride out a blip, few enough to stop within seconds when nothing listens at the URL).
CONNECT_FAILURES_BEFORE_GIVING_UP = 4

# Why a sentence was not taught (skipped before the teacher saw it) or not kept (dropped after).
SKIP_BLANK = "blank"
SKIP_SHORT = f"under {MIN_WORDS} words"
DROP_LOW_CONFIDENCE = "entity below min confidence"
DROP_UNCERTAIN_TOKEN = "uncertain token outside the entities"
DROP_REQUEST_FAILED = "request failed"
DROP_NOT_JSON = "answer not JSON"
DROP_NO_SENTENCE_LIST = "answer has no sentence list"
DROP_MISSING = "sentence missing from answer"
DROP_BAD_NAMES = "mountains not a list of names"
DROP_NOT_IN_SENTENCE = "name not in sentence"
DROP_CUTS_TOKEN = "name cuts a token"

SYSTEM_PROMPT = f"""You annotate mountain names in English sentences, for training a named-entity tagger.

{LABEL_GUIDELINE}
A capitalised generic word that belongs to the name is part of it ("Mount Kenya", "Harney Peak", "Rocky Mountains",
"Blue Ridge"); a lower-case type word after the name is not ("Etna" in "the Etna volcano", "Jura" in "the Jura range").

You get JSON {{"sentences": [{{"id": <int>, "text": "..."}}]}}. Answer with JSON only, one entry for every sentence:
{{"sentences": [{{"id": <int>, "mountains": ["exact name as written", ...]}}]}}
Copy each name exactly as it is written in its sentence (same spelling, capitals and spaces); "mountains" is []
when the sentence names no mountain."""


@dataclass
class Tally:
    """What happened to every document and sentence: the summary and the report."""

    documents: int = 0
    bad_lines: int = 0
    bad_line_errors: List[str] = field(default_factory=list)
    taught: int = 0
    skipped: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    kept_positives: int = 0
    kept_negatives: int = 0
    kept_entities: int = 0

    def keep(self, doc: Doc) -> Doc:
        self.kept_entities += len(doc.ents)
        if doc.ents:
            self.kept_positives += 1
        else:
            self.kept_negatives += 1
        return doc

    def bad_line(self, error: str) -> None:
        self.bad_lines += 1
        if self.bad_lines <= MAX_REPORTED_ERRORS:
            self.bad_line_errors.append(error)
            tqdm.write(f"teach: skipped {error}", file=sys.stderr)
        elif self.bad_lines == MAX_REPORTED_ERRORS + 1:
            tqdm.write("teach: more bad lines: counted in the summary, not shown", file=sys.stderr)


# ---------------------------------------------------------------- sentences


def sentence_splitter() -> Language:
    """A blank English pipeline with a sentencizer: both teachers see the same sentences."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(records: Iterable[dict], splitter: Language, tally: Tally, max_sentences: Optional[int]) -> Iterator[str]:
    """The sentences of every good document, in input order, at most max_sentences of them."""
    for record in records:
        if max_sentences is not None and tally.taught >= max_sentences:
            return
        if "error" in record:
            tally.bad_line(record["error"])
            continue
        tally.documents += 1
        if not record["text"].strip():
            tally.skipped[SKIP_BLANK] += 1
            continue
        for _, piece in chunks(record["text"]):
            for sent in splitter(piece).sents:
                # Lines wrapped inside a .txt file: training sentences are one line, with single spaces.
                text = " ".join(sent.text.split())
                if not text:
                    tally.skipped[SKIP_BLANK] += 1
                elif sum(not (t.is_punct or t.is_space) for t in sent) < MIN_WORDS:
                    tally.skipped[SKIP_SHORT] += 1
                elif max_sentences is not None and tally.taught >= max_sentences:
                    return
                else:
                    tally.taught += 1
                    yield text


def labelled_doc(doc: Doc, spans: List[Tuple[int, int]]) -> Doc:
    """doc's words with these token spans as its MOUNTAIN entities and every other token explicitly O: a token
    left unannotated would count as unknown in training, and a negative would teach nothing."""
    example = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
    example.set_ents([Span(example, start, end, label=LABEL) for start, end in spans], default="outside")
    return example


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


# ---------------------------------------------------------------- an LLM as teacher


def llm_labelled_doc(splitter: Language, text: str, names: object) -> Tuple[Optional[Doc], Optional[str]]:
    """The sentence with the LLM's names as entities, or (None, why not). Every occurrence of every name is
    marked; overlapping names ("Mont Blanc", "Blanc") keep the longest."""
    if not isinstance(names, list) or not all(isinstance(name, str) and name.strip() for name in names):
        return None, DROP_BAD_NAMES
    doc = splitter.make_doc(text)
    spans = []
    for name in dict.fromkeys(name.strip() for name in names):
        start = text.find(name)
        if start < 0:
            return None, DROP_NOT_IN_SENTENCE
        while start >= 0:
            span = doc.char_span(start, start + len(name), label=LABEL)
            if span is None:
                return None, DROP_CUTS_TOKEN
            spans.append(span)
            start = text.find(name, start + 1)
    return labelled_doc(doc, [(span.start, span.end) for span in filter_spans(spans)]), None


def answer_id(value: object) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class LlmTeacher:
    """Asks an OpenAI-compatible chat model for the mountains of sentences_per_request sentences at a time,
    at most `concurrency` requests in flight, and checks every answer."""

    def __init__(self, splitter: Language, tally: Tally, bar, *, model: str, concurrency: int, sentences_per_request: int,
                 timeout: float, max_retries: int):
        self.splitter = splitter
        self.tally = tally
        self.bar = bar
        self.model = model
        self.concurrency = concurrency
        self.sentences_per_request = sentences_per_request
        self.timeout = timeout
        self.max_retries = max_retries
        self.base_url = ""
        self.requests = 0
        self.failed_requests: Counter = Counter()
        self.responses = 0            # HTTP responses of any status: the server is reachable
        self.connection_errors = 0    # connection attempts that failed (each of the client's retries counts)
        self.tokens_in = 0
        self.tokens_out = 0
        self.fatal: Optional[GenerationError] = None
        self.running: set = set()

    def report(self) -> dict:
        return {"llm_model": self.model, "requests": self.requests, "failed_requests": dict(self.failed_requests),
                "connection_errors": self.connection_errors, "tokens_in": self.tokens_in, "tokens_out": self.tokens_out}

    # -- client, as generate_openai.py makes it: the connection watch notices a server that is not there
    def _make_client(self):
        async def on_response(response):
            self.responses += 1

        client, self.base_url = watched_client(timeout=self.timeout, max_retries=self.max_retries, concurrency=self.concurrency,
                                               on_connection_failure=self._on_connection_failure, event_hooks={"response": [on_response]})
        return client

    def _unreachable(self, what: str) -> GenerationError:
        return server_unreachable(self.base_url, self.connection_errors, what, "Run stopped; the output was left as it was.")

    def _on_connection_failure(self, err: Exception) -> None:
        self.connection_errors += 1
        if self.responses == 0 and self.connection_errors >= CONNECT_FAILURES_BEFORE_GIVING_UP:
            self._stop(self._unreachable(type(err).__name__))

    def _stop(self, error: GenerationError) -> None:
        if self.fatal is None:
            self.fatal = error
            for task in self.running:  # stop waiting out the retries of requests that cannot succeed
                task.cancel()

    def request_body(self, batch: List[str]) -> dict:
        sentences = json.dumps({"sentences": [{"id": i, "text": text} for i, text in enumerate(batch)]}, ensure_ascii=False)
        return {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": sentences}],
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }

    # -- the run
    async def run(self, sentences: Iterable[str]) -> List[Doc]:
        """The kept sentences, in input order; raises GenerationError when the run cannot go on."""
        client = self._make_client()
        semaphore = asyncio.Semaphore(self.concurrency)
        results: Dict[int, List[Doc]] = {}
        batches = iter(lambda: list(islice(sentences, self.sentences_per_request)), [])
        try:
            for index, batch in enumerate(batches):
                await semaphore.acquire()
                if self.fatal is not None:
                    semaphore.release()
                    break
                self.requests += 1
                task = asyncio.create_task(self._teach(client, batch, index, results, semaphore))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
            while self.running:
                await asyncio.gather(*list(self.running), return_exceptions=True)
        finally:
            for task in list(self.running):
                task.cancel()
            await client.close()
        if self.fatal is None and self.requests and self.responses == 0 and self.connection_errors:
            self.fatal = self._unreachable("every request")
        if self.fatal is not None:
            raise self.fatal
        if self.requests and sum(self.failed_requests.values()) == self.requests:
            raise GenerationError(f"all {self.requests} requests failed ({dict(self.failed_requests)}): check the server and the model name. "
                                  "The output was left as it was.")
        return [doc for index in sorted(results) for doc in results[index]]

    async def _teach(self, client, batch: List[str], index: int, results: Dict[int, List[Doc]], semaphore: asyncio.Semaphore) -> None:
        import openai

        try:
            try:
                response = await client.chat.completions.create(**self.request_body(batch))
            except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
                self._stop(auth_error(err.status_code))
                return
            except openai.OpenAIError as err:  # after the client's own retries: these sentences go untaught
                self.failed_requests[type(err).__name__] += 1
                self.tally.dropped[DROP_REQUEST_FAILED] += len(batch)
                return
            usage = getattr(response, "usage", None)
            self.tokens_in += getattr(usage, "prompt_tokens", 0) or 0
            self.tokens_out += getattr(usage, "completion_tokens", 0) or 0
            try:
                content = response.choices[0].message.content
            except (AttributeError, IndexError, TypeError):
                content = None
            results[index] = self.check_answer(batch, content)
        finally:
            semaphore.release()
            self.bar.update(len(batch))

    def check_answer(self, batch: List[str], content: Optional[str]) -> List[Doc]:
        """The batch's sentences that the answer labels acceptably; each other one counted by reason."""
        payload = extract_json(content)
        entries = payload.get("sentences") if isinstance(payload, dict) else None
        if payload is None or not isinstance(entries, list):
            self.tally.dropped[DROP_NOT_JSON if payload is None else DROP_NO_SENTENCE_LIST] += len(batch)
            return []
        names_by_id: Dict[int, object] = {}
        for entry in entries:
            sentence_id = answer_id(entry.get("id")) if isinstance(entry, dict) else None
            if sentence_id is not None:
                names_by_id.setdefault(sentence_id, entry.get("mountains"))
        kept = []
        for sentence_id, text in enumerate(batch):
            if sentence_id not in names_by_id:
                self.tally.dropped[DROP_MISSING] += 1
                continue
            doc, reason = llm_labelled_doc(self.splitter, text, names_by_id[sentence_id])
            if doc is None:
                self.tally.dropped[reason] += 1
            else:
                kept.append(self.tally.keep(doc))
        return kept


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

