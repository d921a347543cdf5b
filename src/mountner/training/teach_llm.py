"""teach --teacher llm: an OpenAI-compatible chat model lists the mountains of each sentence under the
project's guideline (the prompt: generation/llm/prompts/teach.v2.system.jinja). Its answer is untrusted: every name must
occur verbatim in its sentence and cover whole tokens, or the sentence is dropped."""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from itertools import islice
from typing import Dict, Iterable, List, Optional, Tuple

import openai
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from mountner.data.bio import LABEL, LABEL_GUIDELINE
from mountner.generation.llm.answers import extract_json
from mountner.generation.llm.client import CONNECT_FAILURES_BEFORE_GIVING_UP, GenerationError, auth_error, server_unreachable, watched_client
from mountner.generation.llm.prompts import render_prompt
from mountner.training.teach_sentences import Tally, labelled_doc

# The prompt's words are in generation/llm/prompts/<version>.system.jinja; the report names the version.
TEACH_PROMPT_VERSION = "teach.v2"
SYSTEM_PROMPT = render_prompt(TEACH_PROMPT_VERSION, "system", label_guideline=LABEL_GUIDELINE)

# Why a sentence the LLM was asked about was not kept.
DROP_REQUEST_FAILED = "request failed"
DROP_NOT_JSON = "answer not JSON"
DROP_NO_SENTENCE_LIST = "answer has no sentence list"
DROP_MISSING = "sentence missing from answer"
DROP_BAD_NAMES = "mountains not a list of names"
DROP_NOT_IN_SENTENCE = "name not in sentence"
DROP_CUTS_TOKEN = "name cuts a token"


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

    # -- client, as the generator's live path makes it: the connection watch notices a server that is not there
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
