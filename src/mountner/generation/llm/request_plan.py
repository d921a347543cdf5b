"""What the LLM backend asks: the request plan (a seeded cycle through the gazetteer, ~20% negatives),
the prompts, the answer schema and the chat-completions request body that the live and batch paths send."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

from mountner.data.bio import LABEL, LABEL_GUIDELINE, TAGS
from mountner.generation.llm.client import GenerationError
from mountner.data.sentence_record import clean_names

NEGATIVE_SHARE = 0.2

STYLES = {
    "encyclopedia": "a neutral encyclopedia article",
    "news": "a news report",
    "travel": "a travel guide or travel blog",
    "climbing": "a climbing or mountaineering expedition report",
    "geology": "a geology or volcanology text",
    "history": "a history text",
}

SHAPES = {
    "plain": "Mention the mountain anywhere in the sentence.",
    "first": "Start each sentence with the mountain name (or with 'The' followed by it where English needs the article).",
    "last": "End each sentence with the mountain name, just before the final punctuation.",
    "parenthesis": "Put a parenthesis in each sentence next to the mountain, e.g. its height, an alternative name "
                   "or its country, like 'X (4,478 m)' or 'Y (also called Z)'.",
    "several": "Mention several mountains in each sentence (all the names given, and you may add other real mountains).",
    "list": "Write each sentence around a list of mountains (commas and 'and'), using the names given and possibly "
            "other real ones.",
}
MULTI_SHAPES = ("several", "list")

NEGATIVES = {
    "no_mountain": "None of the sentences may contain the name of a mountain. Use generic words instead where it fits "
                   "(the mountain, the summit, the peak, the slopes, the range, the volcano): they are tagged O.",
    "named_after_mountain": "Each sentence must mention something that is NAMED AFTER a mountain but is not a mountain "
                            "(a hospital, company, brand, product, ship, street, estate, beer, camera...), and no real "
                            "mountain. Such names are NOT mountains: every tag is O.",
    "other_proper_names": "Each sentence must contain proper names that are not mountains (cities, rivers, lakes, "
                          "people, organisations, national parks) and no mountain name: every tag is O.",
}

SYSTEM_PROMPT = f"""\
You write training data for a named-entity recogniser with one label, {LABEL}.

Label guideline:
{LABEL_GUIDELINE}

Tags (BIO): B-{LABEL} on the first token of a mountain name, I-{LABEL} on each following token of the same
name, O on every other token.

Answer with JSON only, of this shape:
{{"sentences": [{{"text": "...", "tokens": ["..."], "pos": ["..."], "tags": ["..."]}}]}}
- text: one natural, fluent English sentence; vary vocabulary, length and structure; facts must be plausible.
- tokens: the words and punctuation of text, in order, so that joining them rebuilds text apart from spaces.
  Split punctuation and the possessive 's off into their own tokens ("Kilimanjaro", "'s").
- pos: the Universal Dependencies UPOS tag of each token (PROPN, NOUN, VERB, ADJ, ADP, DET, NUM, PUNCT, ...).
- tags: one of O, B-{LABEL}, I-{LABEL} for each token.
tokens, pos and tags must have exactly the same length. The lines in CAPITALS at the end of the request
(PLAN, COUNT, MOUNTAIN, NEGATIVE) are bookkeeping for the request: follow them, do not copy them."""

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
    shape: str                     # a SHAPES key, or a NEGATIVES key for negatives
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
    lines = [f"Write {item.count} different sentences in the style of {STYLES[item.style]}."]
    if item.kind == "mountain":
        names = ", ".join(item.mountains)
        if len(item.mountains) == 1:
            lines.append(f"Every sentence must mention the mountain {names}, written exactly like that.")
        else:
            lines.append(f"The sentences must mention these mountains, written exactly like that: {names}.")
        lines.append(SHAPES[item.shape])
        lines.append(f"Tag every mountain name (these and any other) as {LABEL} following the guideline; "
                     "things named after mountains, generic words and other places stay O.")
    else:
        lines.append(NEGATIVES[item.shape])
        if item.negative_names:
            lines.append("Use these names, one or more per sentence: " + "; ".join(item.negative_names) + ".")
    lines.append("")
    lines.append(f"PLAN: {item.index}")
    lines.append(f"COUNT: {item.count}")
    lines += [f"MOUNTAIN: {m}" for m in item.mountains]
    lines += [f"NEGATIVE: {m}" for m in item.negative_names]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


def request_body(model: str, item: PlanItem, mode: str) -> dict:
    """The chat-completions request for a plan item: the live path sends it, the batch path writes it."""
    body = {"model": model, "messages": build_messages(item), "temperature": 0.9}
    if RESPONSE_FORMATS[mode] is not None:
        body["response_format"] = RESPONSE_FORMATS[mode]
    return body
