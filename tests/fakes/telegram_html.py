"""Texts as the Bot API double shows them: Telegram's HTML parse mode (plain text and entities,
offsets in UTF-16 code units, or a refusal in Telegram's words) and the length limits of a
message's text and a caption."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_spec import BadRequest

MAX_TEXT = 4096
MAX_CAPTION = 1024

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:([a-zA-Z]+)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _unescape(text: str) -> str:
    return _ENTITY_RE.sub(lambda m: _entity_value(m) or m.group(0), text)


def _entity_value(m: re.Match[str]) -> str | None:
    if m.group(1) is not None:
        return _NAMED.get(m.group(1))
    code = int(m.group(2)) if m.group(2) is not None else int(m.group(3), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


@dataclass(slots=True)
class _Open:
    tag: str
    start: int
    attrs: dict[str, str]


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities (UTF-16 offsets) of an HTML-formatted text, as Telegram parses it."""
    return _HtmlParser(source).parse()


class _HtmlParser:
    """One pass over the source: the text so far and its UTF-16 length, the tags open, and the
    entities of the tags closed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        while i < len(self.source):
            i = self._step(i)
        if self.stack:
            tag = self.stack[-1].tag
            raise _cannot_parse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _step(self, i: int) -> int:
        """Read the tag, character entity or character at `source[i]`; returns where it ends.
        What is not a known entity (`&bogus;`, a lone `&`) is text."""
        if self.source.startswith("</", i):
            return self._end_tag(i)
        if self.source[i] == "<":
            return self._start_tag(i)
        entity = _ENTITY_RE.match(self.source, i)
        value = _entity_value(entity) if entity else None
        if entity and value:
            self._text(value)
            return entity.end()
        self._text(self.source[i])
        return i + 1

    def _text(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def _end_tag(self, i: int) -> int:
        end = self.source.find(">", i)
        if end < 0:
            raise self._fail("Unclosed end tag", i)
        name = self.source[i + 2 : end].strip().lower()
        if not self.stack:
            raise self._fail("Unexpected end tag", i)
        top = self.stack.pop()
        if name != top.tag:
            raise self._fail(
                "Unmatched end tag", i, f', expected "</{top.tag}>", found "</{name}>"'
            )
        if entity := _make_entity(top, self.pos16, self.stack):
            self.entities.append(entity)
        return end + 1

    def _start_tag(self, i: int) -> int:
        match = _TAG_NAME_RE.match(self.source, i + 1)
        name = match.group(0).lower() if match else ""
        if name not in _ENTITY_TYPES:
            raise self._fail(f'Unsupported start tag "{name}"', i)
        attrs, end = self._attributes(i + 1 + len(name))
        if not self.source.startswith(">", end):
            raise self._fail("Unclosed start tag", i)
        rule = _REQUIRED_ATTRIBUTE.get(name)
        if rule is not None and not rule[0](attrs):
            raise self._fail(rule[1], i)
        self.stack.append(_Open(name, self.pos16, attrs))
        return end + 1

    def _attributes(self, j: int) -> tuple[dict[str, str], int]:
        """The attributes from `source[j]` on (names lowercase, values unescaped), and where
        they and the whitespace after them end."""
        attrs: dict[str, str] = {}
        while match := _ATTR_RE.match(self.source, j):
            attrs[match.group(1).lower()] = _unescape((match.group(2) or "").strip("\"'"))
            j = match.end()
        while j < len(self.source) and self.source[j].isspace():
            j += 1
        return attrs, j

    def _fail(self, what: str, at: int, detail: str = "") -> BadRequest:
        offset = len(self.source[:at].encode("utf-8"))
        return _cannot_parse(f"{what} at byte offset {offset}{detail}")


def _cannot_parse(reason: str) -> BadRequest:
    return BadRequest(f"can't parse entities: {reason}")


# Tags Telegram takes only with an attribute: the test of their attributes, and the refusal.
_REQUIRED_ATTRIBUTE: dict[str, tuple[Callable[[dict[str, str]], bool], str]] = {
    "span": (
        lambda attrs: attrs.get("class") == "tg-spoiler",
        'Tag "span" must have class "tg-spoiler"',
    ),
    "tg-emoji": (
        lambda attrs: attrs.get("emoji-id", "").isdigit(),
        'Tag "tg-emoji" must have attribute "emoji-id"',
    ),
}


def _make_entity(tag: _Open, end16: int, stack: list[_Open]) -> dict[str, Any] | None:
    if end16 <= tag.start:
        return None
    kind = _ENTITY_TYPES[tag.tag]
    entity: dict[str, Any] = {"type": kind, "offset": tag.start, "length": end16 - tag.start}
    language = tag.attrs.get("class", "").removeprefix("language-")
    if tag.tag == "code" and stack and stack[-1].tag == "pre":
        if language and "class" in tag.attrs:
            stack[-1].attrs["language"] = language
        return None
    if tag.tag == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    if tag.tag == "a":
        if not tag.attrs.get("href"):
            return None
        entity["url"] = tag.attrs["href"]
    if tag.tag == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    if tag.tag == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    return entity


def formatted(
    text: str, parse_mode: str | None, *, limit: int, what: str
) -> tuple[str, list[dict[str, Any]]]:
    """Text as shown (HTML parsed, outer whitespace stripped) and its entities; checks the limit.

    `what` is "text" (1..limit characters) or "caption" (0..limit).
    """
    entities: list[dict[str, Any]] = []
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, entities = parse_html(text)
    elif mode not in {"", "markdown", "markdownv2"}:
        raise BadRequest(f"unsupported parse_mode {parse_mode!r}")
    stripped = text.strip()
    if stripped != text and entities:
        lead = utf16_len(text) - utf16_len(text.lstrip())
        size = utf16_len(stripped)
        moved = []
        for e in entities:
            start = max(0, e["offset"] - lead)
            end = min(size, e["offset"] + e["length"] - lead)
            if end > start:
                moved.append({**e, "offset": start, "length": end - start})
        entities = moved
    if what == "text" and not stripped:
        raise BadRequest("message text is empty")
    if len(stripped) > limit:
        raise BadRequest(f"message {'is' if what == 'text' else 'caption is'} too long")
    return stripped, entities
