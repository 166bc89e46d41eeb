"""Splitting a long staff reply into parts Ozon accepts (1..1000 characters each).

Cuts fall after a paragraph break if one is in reach, else after the end of a sentence, else
after a line break, else at a space, else (a very long word) at the limit. A cut never falls
inside a grapheme cluster (an emoji joined from several, a flag, a letter with its accent), so
no part starts or ends with half a character. Parts keep their whitespace, so joining them gives
back the original text.
"""

from __future__ import annotations

import re

import regex

_SENTENCE_END = re.compile(r"[.!?…]+[\"»)\]]*\s+")
_GRAPHEME = regex.compile(r"\X")


def grapheme_floor(text: str, index: int, start: int = 0) -> int:
    """The last grapheme-cluster boundary of `text` at or before `index`, looking from `start`
    (itself a boundary); `start` when the cluster there is longer than that."""
    if index >= len(text):
        return len(text)
    floor = start
    for cluster in _GRAPHEME.finditer(text, start, index + 1):
        if cluster.end() > index:
            break
        floor = cluster.end()
    return floor


def split_text(text: str, limit: int) -> list[str]:
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut(rest[: limit + 1], limit)
        # A cluster longer than the limit itself (rare) can only be cut through.
        cut = grapheme_floor(rest, cut) or cut
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
