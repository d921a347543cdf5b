"""What the LLM backend asks: the request plan (a seeded cycle through the gazetteer, ~20% negatives),
the messages (rendered from the generate prompt's templates), the answer schema and the chat-completions
request body that the live and batch paths send."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

from mountner.data import gazetteer
from mountner.data.bio import LABEL, LABEL_GUIDELINE, TAGS
from mountner.data.sentence_record import clean_names
from mountner.generation.llm.client import GenerationError
from mountner.generation.llm.prompts import render_prompt

NEGATIVE_SHARE = 0.2

# The prompt's words are in prompts/<version>.<role>.jinja; the reports and the model's meta name the version.
GENERATE_PROMPT_VERSION = "generate.v2"

# What the plan draws from, in this order (the order is part of the seeded plan); the user template words each one.
STYLES = ("encyclopedia", "news", "travel", "climbing", "geology", "history")
SHAPES = ("plain", "first", "last", "parenthesis", "several", "list")
MULTI_SHAPES = ("several", "list")
NEGATIVES = ("no_mountain", "named_after_mountain", "other_proper_names")

SYSTEM_PROMPT = render_prompt(GENERATE_PROMPT_VERSION, "system", label=LABEL, label_guideline=LABEL_GUIDELINE)

ANSWER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sentences"],
    "properties": {
        "sentences": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "tokens", "pos", "tags"],
                "properties": {
                    "text": {"type": "string"},
                    "tokens": {"type": "array", "items": {"type": "string"}},
                    "pos": {"type": "array", "items": {"type": "string"}},
                    "tags": {"type": "array", "items": {"type": "string", "enum": list(TAGS)}},
                },
            },
        }
    },
}

RESPONSE_FORMATS = {
    "json_schema": {"type": "json_schema",
                    "json_schema": {"name": "ner_sentences", "strict": True, "schema": ANSWER_SCHEMA}},
    "json_object": {"type": "json_object"},
    "text": None,
}
MODE_ORDER = ("json_schema", "json_object", "text")

# --------------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class PlanItem:
    index: int
    kind: str                      # "mountain" or "negative"
    style: str
    shape: str                     # one of SHAPES, or of NEGATIVES for negatives
    count: int
    mountains: Tuple[str, ...] = ()
    negative_names: Tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"kind": self.kind, "style": self.style, "shape": self.shape, "count": self.count,
                "mountains": list(self.mountains), "negative_names": list(self.negative_names)}


class _Cycle:
    """Endless seeded shuffle of a list: each pass visits every element once, then reshuffles."""

    def __init__(self, items: Sequence[str], rng: random.Random):
        self.items, self.rng, self.order, self.pos = list(items), rng, [], 0

    def next(self) -> str:
        if self.pos >= len(self.order):
            self.order = list(self.items)
            self.rng.shuffle(self.order)
            self.pos = 0
        self.pos += 1
        return self.order[self.pos - 1]


def load_gazetteer() -> Tuple[List[str], List[Tuple[str, str]]]:
    """The plan's mountains (the gazetteer's names) and its (name, kind) examples for the negatives."""
    names = clean_names(gazetteer.load_mountains()["name"].tolist())
    try:
        others_df = gazetteer.load_other_names()
        others = list(zip(others_df["name"].astype(str), others_df["kind"].astype(str)))
    except Exception:  # the negatives just go without examples
        others = []
    return names, others


def iter_plan(
    mountains: Sequence[str],
    seed: int = 0,
    sentences_per_request: int = 5,
    other_names: Optional[Sequence[Tuple[str, str]]] = None,
) -> Iterator[PlanItem]:
    """The endless, deterministic request plan: item i depends only on (names, seed, i).

    Mountains come from a seeded cycle through all names (no replacement within a pass);
    about NEGATIVE_SHARE of the items ask for negatives.
    """
    names = clean_names(mountains)
    if not names:
        raise GenerationError("the gazetteer has no mountain names")
    rng = random.Random(seed)
    cycle = _Cycle(names, random.Random(rng.random()))
    others = [(n, str(k)) for n, k in (other_names or [])]
    named_after = clean_names(n for n, k in others if k == "named_after_mountain")
    proper = clean_names(n for n, k in others if k != "named_after_mountain")
    named_cycle = _Cycle(named_after, random.Random(rng.random())) if named_after else None
    proper_cycle = _Cycle(proper, random.Random(rng.random())) if proper else None
    styles, shapes, negatives = list(STYLES), list(SHAPES), list(NEGATIVES)
    count = max(1, int(sentences_per_request))
    for index in itertools.count():
        style = rng.choice(styles)
        if rng.random() < NEGATIVE_SHARE:
            shape = rng.choice(negatives)
            picked: Tuple[str, ...] = ()
            if shape == "named_after_mountain" and named_cycle:
                picked = tuple(dict.fromkeys(named_cycle.next() for _ in range(min(count, len(named_after)))))
            elif shape == "other_proper_names" and proper_cycle:
                picked = tuple(dict.fromkeys(proper_cycle.next() for _ in range(min(count, len(proper)))))
            yield PlanItem(index, "negative", style, shape, count, (), picked)
        else:
            shape = rng.choice(shapes)
            n_names = (rng.randint(2, 3) if shape in MULTI_SHAPES else 1)
            picked = tuple(dict.fromkeys(cycle.next() for _ in range(min(n_names, len(names)))))
            yield PlanItem(index, "mountain", style, shape, count, picked, ())


def build_plan(mountains: Sequence[str], n_requests: int, seed: int = 0, sentences_per_request: int = 5,
               other_names: Optional[Sequence[Tuple[str, str]]] = None) -> List[PlanItem]:
    """The first n_requests items of :func:`iter_plan`."""
    return list(itertools.islice(iter_plan(mountains, seed, sentences_per_request, other_names), n_requests))


def build_messages(item: PlanItem) -> List[dict]:
    """The system and user messages of a plan item."""
    user = render_prompt(GENERATE_PROMPT_VERSION, "user", item=item, label=LABEL)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def request_body(model: str, item: PlanItem, mode: str) -> dict:
    """The chat-completions request for a plan item: the live path sends it, the batch path writes it."""
    body = {"model": model, "messages": build_messages(item), "temperature": 0.9}
    if RESPONSE_FORMATS[mode] is not None:
        body["response_format"] = RESPONSE_FORMATS[mode]
    return body
