"""Splitting a long staff reply into parts Ozon accepts (1..1000 characters each).

Cuts fall after a paragraph break if one is in reach, else after the end of a sentence, else
after a line break, else at a space, else (a very long word) at the limit. Parts keep their
whitespace, so joining them gives back the original text.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?…]+[\"»)\]]*\s+")


def split_text(text: str, limit: int) -> list[str]:
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut(rest[: limit + 1], limit)
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        parts.append(rest)
    return [part for part in parts if part.strip()]


def _cut(window: str, limit: int) -> int:
    """Where to end the next part: a position in 1..limit."""
    # Only look at the back half, so that parts do not come out needlessly short.
    floor = limit // 2
    paragraph = window.rfind("\n\n", floor, limit)
    if paragraph != -1:
        return _past_whitespace(window, paragraph, limit)
    sentences = [m.end() for m in _SENTENCE_END.finditer(window, floor) if m.end() <= limit]
    if sentences:
        return sentences[-1]
    for separator in ("\n", " ", "\t"):
        found = window.rfind(separator, floor, limit)
        if found != -1:
            return _past_whitespace(window, found, limit)
    return limit


def _past_whitespace(window: str, index: int, limit: int) -> int:
    end = index
    while end < limit and window[end].isspace():
        end += 1
    return end
