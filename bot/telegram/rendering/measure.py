"""Measuring and splitting Telegram HTML as Telegram counts it: UTF-16 code units of the text,
tags stripped and entities decoded. Cuts fall at paragraph, line or word breaks where they can,
never inside a tag, an entity or a grapheme cluster."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.replies.split import grapheme_floor

__all__ = ["split_html", "visible_length"]

_WS = frozenset(" \t\n\r\f\v")
_TOKEN = re.compile(
    r"(?P<tag></?[A-Za-z][^>]*>)|(?P<ent>&(?:#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);)|[^<&]+|[<&]"
)
_TAG_NAME = re.compile(r"</?([A-Za-z][\w-]*)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _entity(raw: str) -> str:
    body = raw[1:-1]
    if not body.startswith("#"):
        return _NAMED[body]
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def visible_length(html: str) -> int:
    """Length Telegram counts: UTF-16 code units of the text with tags stripped and entities
    (`&lt;`, `&gt;`, `&amp;`, `&quot;`, numeric) decoded."""
    total = 0
    for match in _TOKEN.finditer(html):
        if match.group("ent"):
            total += _utf16_len(_entity(match.group()))
        elif not match.group("tag"):
            total += _utf16_len(match.group())
    return total


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    visible: str  # "" for tags
    tag: str = ""  # tag name, "" for text
    closing: bool = False


def _tokens(html: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(html):
        raw = match.group()
        if match.group("tag"):
            name = _TAG_NAME.match(raw)
            assert name is not None
            tokens.append(_Token(raw, "", name.group(1).lower(), raw.startswith("</")))
        elif match.group("ent"):
            tokens.append(_Token(raw, _entity(raw)))
        else:
            tokens.extend(_Token(char, char) for char in raw)
    return tokens


def _apply(stack: list[tuple[str, str]], tokens: list[_Token]) -> None:
    """Track open tags: push on an opening tag, pop through the matching one on a closing tag."""
    for token in tokens:
        if token.closing:
            names = [name for name, _ in stack]
            if token.tag in names:
                del stack[len(names) - 1 - names[::-1].index(token.tag) :]
        elif token.tag and not token.raw.endswith("/>"):
            stack.append((token.tag, token.raw))


def _best_cut(visible: list[str], lo: int, hi: int) -> int:
    """Largest j in (lo, hi] before which to cut: paragraph, then line, then word break, then
    the last grapheme-cluster boundary (never inside a joined emoji or an accented letter)."""
    tests = (
        lambda j: visible[j] == "\n" and j + 1 < len(visible) and visible[j + 1] == "\n",
        lambda j: visible[j] == "\n",
        lambda j: visible[j] in _WS,
    )
    for test in tests:
        for j in range(hi, lo, -1):
            if test(j):
                return j
    text = "".join(visible[lo : hi + 1])
    return lo + (grapheme_floor(text, hi - lo) or hi - lo)


def split_html(html: str, limit: int = 4096) -> list[str]:
    """Split well-formed HTML into chunks of `visible_length <= limit`, each well-formed.

    Cuts prefer paragraph breaks, then line breaks, then spaces, then fall back to a hard cut;
    never inside a tag or an entity. Tags open at a cut are closed and reopened in the next
    chunk; whitespace at cuts (and around chunks) is dropped. Fitting input comes back as is;
    whitespace-only input that does not fit gives an empty list.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (one astral character is 2 UTF-16 units)")
    if visible_length(html) <= limit:
        return [html]
    return _Cutter(_tokens(html)).chunks(limit)


class _Cutter:
    """Cuts a token list into chunks. A unit is one visible token (a character or an entity),
    numbered among the visible tokens only; `_stack` holds the tags open after `_done` tokens."""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._units = [k for k, token in enumerate(tokens) if not token.tag]
        self._visible = [tokens[k].visible for k in self._units]
        self._widths = [_utf16_len(v) for v in self._visible]
        self._stack: list[tuple[str, str]] = []
        self._done = 0

    def chunks(self, limit: int) -> list[str]:
        chunks: list[str] = []
        u = self._skip_blank(0)
        while u < len(self._units):
            m = self._fitting_end(u, limit)
            if m == len(self._units):
                chunks.append(self._reopen(u) + _raw(self._tokens[self._units[u] :]))
                break
            cut = _best_cut(self._visible, u, m)
            chunks.append(self._chunk(u, cut))
            u = self._skip_blank(cut)
        return chunks

    def _skip_blank(self, u: int) -> int:
        while u < len(self._units) and self._visible[u] in _WS:
            u += 1
        return u

    def _fitting_end(self, u: int, limit: int) -> int:
        """The first unit past those from `u` on that fit in `limit`."""
        total = 0
        while u < len(self._units) and total + self._widths[u] <= limit:
            total += self._widths[u]
            u += 1
        return u

    def _reopen(self, u: int) -> str:
        """The tags open where unit `u` stands, to open again at the start of its chunk."""
        start = self._units[u]
        _apply(self._stack, self._tokens[self._done : start])
        self._done = start
        return "".join(raw for _, raw in self._stack)

    def _chunk(self, u: int, cut: int) -> str:
        """Units `u` up to `cut`, trailing whitespace dropped, with the tags open at either end."""
        opening = self._reopen(u)
        last = cut - 1
        while self._visible[last] in _WS:
            last -= 1
        body = self._tokens[self._done : self._units[last] + 1]
        _apply(self._stack, body)
        self._done = self._units[last] + 1
        closing = "".join(f"</{name}>" for name, _ in reversed(self._stack))
        return opening + _raw(body) + closing


def _raw(tokens: list[_Token]) -> str:
    return "".join(token.raw for token in tokens)
