"""What the LLM backend gets back: parse an answer, validate its sentences (each drop counted by
reason), and read the raw log (raw_dir/openai.jsonl) that a rerun resumes from."""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from mountner.data.sentence_record import (LENGTH_MISMATCH, MALFORMED, TOKENS_MISMATCH_TEXT, UNKNOWN_TAG, squash_spaces, text_key,
                             validate_sentence as validate_record)

RAW_FILE_NAME = "openai.jsonl"

DROP_REASONS = (
    MALFORMED, UNKNOWN_TAG, LENGTH_MISMATCH, TOKENS_MISMATCH_TEXT,
    "requested_mountain_untagged", "duplicate",
)


# --------------------------------------------------------------------------------------- validation
def _mention_token_spans(text: str, tokens: Sequence[str], name: str) -> List[List[int]]:
    """Token indices overlapping each occurrence of name in text (word-bounded, case-insensitive)."""
    words = name.split()
    if not words:
        return []
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    # token start/end in the whitespace-free text
    bounds, cursor = [], 0
    for token in tokens:
        length = len(squash_spaces(token))
        bounds.append((cursor, cursor + length))
        cursor += length
    # map original char positions to whitespace-free positions
    squashed_pos, count = [], 0
    for ch in text:
        squashed_pos.append(count)
        if not ch.isspace():
            count += 1
    spans = []
    for m in re.finditer(pattern, text, flags=re.IGNORECASE):
        start, end = squashed_pos[m.start()], squashed_pos[m.end() - 1] + 1
        spans.append([i for i, (a, b) in enumerate(bounds) if a < end and b > start])
    return spans


def validate_sentence(obj: Any, requested: Sequence[str] = ()) -> Tuple[Optional[dict], Optional[str], int]:
    """Check one sentence object; return (sentence, None, n_repaired) or (None, reason, 0).

    The JSON shape is checked here; the sentence itself by sentence_record.validate_sentence (the check
    every path shares), then every requested mountain that the text mentions must be tagged.
    Duplicates are checked by the caller (they depend on what was accepted before).
    """
    if not isinstance(obj, dict):
        return None, "malformed", 0
    text, tokens, pos, tags = obj.get("text"), obj.get("tokens"), obj.get("pos"), obj.get("tags")
    if not isinstance(text, str) or not text.strip():
        return None, "malformed", 0
    for seq in (tokens, pos, tags):
        if not isinstance(seq, list) or not all(isinstance(x, str) for x in seq):
            return None, "malformed", 0
    checked, reason, _ = validate_record(text, tokens, tags, pos)
    if checked is None:
        return None, reason, 0
    for name in requested:
        for span in _mention_token_spans(text, tokens, name):
            if not span or any(checked.tags[i] == "O" for i in span):
                return None, "requested_mountain_untagged", 0
    checked.pos = [p.strip().upper() for p in pos]
    return checked.to_row(), None, checked.repaired


def extract_json(content: Optional[str]) -> Any:
    """Parse JSON from a model answer: plain, inside ``` fences, or the outermost {...}. None if impossible."""
    if not isinstance(content, str):
        return None
    candidates = [content.strip()]
    fenced = re.findall(r"```(?:json|JSON)?\s*\n?(.*?)```", content, flags=re.S)
    candidates += [f.strip() for f in fenced]
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        candidates.append(content[start:end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def answer_sentences(payload: Any) -> Optional[list]:
    """The list of sentence objects in a parsed answer, or None if the answer is unusable."""
    if isinstance(payload, dict):
        if isinstance(payload.get("sentences"), list):
            return payload["sentences"]
        if "text" in payload and "tokens" in payload:
            return [payload]
        return None
    if isinstance(payload, list):
        return payload
    return None


def validate_answer(sentences: Sequence[Any], requested: Sequence[str], seen: set) -> Tuple[List[dict], Counter, int, list]:
    """Validate the sentences of one answer; `seen` (text keys) is updated with the accepted ones.

    Returns (accepted, dropped reasons, repaired count, rejected [{"reason", "sentence"}]).
    """
    accepted, dropped, repaired, rejected = [], Counter(), 0, []
    for obj in sentences:
        sentence, reason, n_fixed = validate_sentence(obj, requested)
        if sentence is not None:
            key = text_key(sentence["text"])
            if key in seen:
                sentence, reason = None, "duplicate"
            else:
                seen.add(key)
        if sentence is None:
            dropped[reason] += 1
            rejected.append({"reason": reason, "sentence": obj})
        else:
            accepted.append(sentence)
            repaired += n_fixed
    return accepted, dropped, repaired, rejected


# ------------------------------------------------------------------------------------------- resume
@dataclass
class RawState:
    lines: int = 0
    skipped_lines: int = 0
    done: set = field(default_factory=set)
    sentences: List[Tuple[int, int, dict]] = field(default_factory=list)  # (plan index, position, sentence)
    seen: set = field(default_factory=set)
    duplicates: int = 0
    tokens_in: int = 0
    tokens_out: int = 0


def load_raw(path: Path) -> RawState:
    """Read raw_dir/openai.jsonl: unreadable lines (e.g. a truncated last line) are skipped and counted."""
    state = RawState()
    if not path.exists():
        return state
    with path.open("r", encoding="utf8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                index = int(record["plan_index"])
                sentences = record["sentences"]
                if not isinstance(sentences, list):
                    raise ValueError("sentences is not a list")
            except (ValueError, KeyError, TypeError):
                state.skipped_lines += 1
                continue
            state.lines += 1
            state.done.add(index)
            usage = record.get("usage") or {}
            state.tokens_in += int(usage.get("prompt_tokens") or 0)
            state.tokens_out += int(usage.get("completion_tokens") or 0)
            for position, sentence in enumerate(sentences):
                checked, _, _ = validate_sentence(sentence)
                if checked is None:  # stored sentences were validated when written; be safe anyway
                    continue
                key = text_key(checked["text"])
                if key in state.seen:
                    state.duplicates += 1
                    continue
                state.seen.add(key)
                state.sentences.append((index, position, checked))
    return state


def ensure_newline_at_end(path: Path) -> None:
    """After a kill mid-write the file may end inside a line: start the next record on a fresh line."""
    if path.exists() and path.stat().st_size:
        with path.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last != b"\n":
            with path.open("ab") as f:
                f.write(b"\n")
