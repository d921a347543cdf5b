"""Templates to tagged sentences: a template of a kind is drawn (alternatives chosen, maybe with an
opener, a second clause or a tail), its slots filled (slots.py) and the text tokenized and tagged."""
from __future__ import annotations

import random
import re
from typing import List, Optional, Tuple

from mountner.data import bio
from mountner.data.sentence_record import validate_sentence
from mountner.generation.offline import data as offline_data
from mountner.generation.offline.generator import STYLE_WEIGHTS, Generator
from mountner.generation.offline.slots import Segment, SentenceState, fill_slot
from mountner.generation.pos_heuristic import tag_pos

OPENER_RATE = 0.18         # share of sentences given an introductory phrase ("In 1921, ...")
COMBINE_RATE = 0.25        # share of sentences extended by a second, mountain-free clause ("...; the Rhine ...")
TAIL_RATE = 0.12           # share of sentences given a trailing phrase (", according to the Alpine Club")
COMBINE_JOINERS = ["; ", "; ", ", and ", ", while ", ", whereas "]
_PAST_RE = re.compile(r"\b(was|were|had|made|built|took|fought|died|won|moved|crashed|founded|reached|rescued|sold)\b")


def expand_alternatives(template: str, rng: random.Random) -> str:
    """[a|b] -> a or b, innermost brackets first."""
    while True:
        new = offline_data.ALTERNATIVES_RE.sub(lambda m: rng.choice(m.group(1).split("|")), template, count=1)
        if new == template:
            return new
        template = new


def _fresh_slots(template: str, keep_attributes: bool = True) -> str:
    """Slots of an appended clause or tail draw their own values: {city} -> {city7}, {city2} -> {city8}, {city3} -> {city9}.
    (A small_number there has always been drawn as a number; kept so that a seed gives the same data.)"""
    def fresh(match: re.Match) -> str:
        kind, digit = re.fullmatch(r"([a-z_]+?)([0-9]?)", match.group(1)).groups()
        kind = "number" if kind == "small_number" else kind
        attribute = f":{match.group(2)}" if match.group(2) and keep_attributes else ""
        return "{" + kind + {"": "7", "2": "8", "3": "9"}.get(digit, "9") + attribute + "}"
    return offline_data.SLOT_RE.sub(fresh, template)


def _assemble(segments: List[Segment]) -> Tuple[str, List[Tuple[int, int]], List[Tuple[int, int]]]:
    """Join segments into text; return text, mountain spans and other-name spans (character offsets)."""
    text = ""
    ents, names = [], []
    for seg, role in segments:
        if not seg:
            continue
        if role is None:
            seg = re.sub(r" {2,}", " ", seg)
            seg = re.sub(r" +([,.;:)])", r"\1", seg)
            if text.endswith(" ") and seg.startswith(" "):
                seg = seg.lstrip(" ")
            if text.endswith(" ") and seg[:1] in {",", ".", ";", ":", ")"}:
                text = text.rstrip(" ")
            if not text:
                seg = seg.lstrip(" ")
            if text.endswith(".") and seg.startswith("."):
                seg = seg[1:]
        if seg[:1].lower() in "aeiou" and not re.match(r"(?i)(uni|eu|one|use|ur)", seg) and re.search(r"(^|[ (])[Aa] $", text):
            text = text[:-1] + "n "  # "a Italian" -> "an Italian"
        start = len(text)
        text += seg
        if role == "ENT":
            ents.append((start, len(text)))
        elif role == "NAME":
            names.append((start, len(text)))
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text.rstrip(), ents, names


def _template_for(gen: Generator, kind: str) -> Tuple[str, str]:
    """A template of the kind with its alternatives chosen, maybe with an opener, a second clause or a tail; and its style."""
    rng, templates, lowerable = gen.rng, gen.templates, gen.lex["lowerable_starts"]
    style = "encyclopedia"
    if kind == "mountain":
        style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
        template = gen.pick(templates[f"mountain_{style}"])
    else:
        template = gen.pick(templates[kind])
    template = expand_alternatives(template, rng)
    first_clause = template.split(",", 1)[0]
    if (rng.random() < OPENER_RATE and template.split(" ", 1)[0] in lowerable
            and _PAST_RE.search(first_clause) and not re.search(r"\{(year|date|weekday|decade|century)", template)):
        first, rest = template.split(" ", 1)
        template = expand_alternatives(gen.pick(templates["openers"]), rng) + " " + first.lower() + " " + rest
    if template.endswith(".") and '"' not in template and "{" in template:
        roll = rng.random()
        if roll < COMBINE_RATE:
            second = expand_alternatives(gen.pick(templates["other"]), rng)
            first_word = second.split(" ", 1)[0]
            if not second.startswith('"') and (first_word in lowerable or second.startswith("{")):
                if first_word in lowerable:
                    second = first_word.lower() + " " + second.split(" ", 1)[1]
                joiner = "; " if ", and " in template or ", while " in template else gen.pick(COMBINE_JOINERS)
                template = template[:-1] + joiner + _fresh_slots(second)
        elif roll < COMBINE_RATE + TAIL_RATE and style == "encyclopedia" and not re.search(r"\b(said|according|told)\b", template):
            tail = _fresh_slots(gen.pick(templates["tails"]), keep_attributes=False)
            template = template[:-1] + expand_alternatives(tail, rng) + "."
    return template, style


def build_sentence(gen: Generator, kind: str) -> Tuple[Optional[dict], Optional[str]]:
    """One sentence of the kind, or None and the reason it was dropped."""
    return render(gen, kind, _template_for(gen, kind)[0])[:2]


def render(gen: Generator, kind: str, template: str) -> Tuple[Optional[dict], Optional[str], List[str]]:
    """Fill in one template (alternatives already chosen): the sentence, or None and the reason it was
    dropped; and the mountain names as they were put in (for checking that the tags rebuild them)."""
    state = SentenceState()
    segments: List[Segment] = []
    pos = 0
    for m in offline_data.SLOT_RE.finditer(template):
        segments.append((template[pos:m.start()], None))
        segments.extend(fill_slot(gen, state, m.group(1), m.group(2)))
        pos = m.end()
    segments.append((template[pos:], None))
    text, ents, names = _assemble(segments)

    doc = gen.nlp.make_doc(text)
    tags = ["O"] * len(doc)
    in_name = [False] * len(doc)
    for start, end in ents:
        span = doc.char_span(start, end)
        if span is None:
            return None, "mountain_not_on_token_boundaries", []
        tags[span.start] = f"B-{bio.LABEL}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{bio.LABEL}"
        for i in range(span.start, span.end):
            in_name[i] = True
    for start, end in names:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                in_name[i] = True
    keep = [i for i, t in enumerate(doc) if not t.is_space]
    tokens = [doc[i].text for i in keep]
    in_name = [in_name[i] for i in keep]
    mentions = [text[start:end] for start, end in ents]
    # The check every path shares (and the BIO repair); a template that fails it is redrawn, counted by reason.
    sentence, reason, _ = validate_sentence(text, tokens, [tags[i] for i in keep])
    if sentence is None:
        return None, reason, mentions
    has_ent = any(t != "O" for t in sentence.tags)
    if kind in ("mountain", "mixed") and not has_ent:
        return None, f"{kind}_sentence_without_mountain", mentions
    if kind in ("other", "negative") and has_ent:
        return None, f"{kind}_sentence_with_mountain", mentions
    sentence.pos = tag_pos(tokens, in_name)
    return {**sentence.to_row(), "kind": kind, "origin": "template"}, None, mentions
