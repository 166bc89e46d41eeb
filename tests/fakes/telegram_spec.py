"""Request checks for the Bot API double: parameters against the spec fixture, and text limits.

The fixture (`tests/fixtures/telegram_methods.json`) is a verbatim subset of the Bot API spec:
the methods the double implements and the input types their parameters reference.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "telegram_methods.json"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOPIC_NAME = 128
MAX_CALLBACK_DATA = 64
TOPIC_ICON_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})

_PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})
_INT_RE = re.compile(r"[+-]?\d+")
_DISCRIMINATOR_RE = re.compile(r'(?:must be|always) "?([a-z_]+)"?')


class BadRequest(Exception):
    """A request Telegram answers with 400. `violation`: it breaks the documented contract."""

    def __init__(self, description: str, *, violation: bool = True) -> None:
        super().__init__(description)
        self.description = f"Bad Request: {description}"
        self.violation = violation


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str
    content_type: str


class _Mismatch(Exception):
    pass


class Spec:
    """Method and type definitions loaded from the fixture."""

    def __init__(self, path: Path = FIXTURE) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.source: dict[str, str] = raw["source"]
        self.methods: dict[str, dict[str, Any]] = raw["methods"]
        self.types: dict[str, dict[str, Any]] = raw["types"]
        self._by_lower = {name.lower(): name for name in self.methods}
        # Subtypes are told apart by their "type" field ("must be photo", "always \"emoji\"").
        self._discriminator: dict[str, str] = {}
        for name, spec in self.types.items():
            for field in spec.get("fields", []):
                if field["name"] == "type" and (
                    m := _DISCRIMINATOR_RE.search(field["description"])
                ):
                    self._discriminator[name] = m.group(1)

    def canonical(self, method: str) -> str | None:
        """The spec's spelling of a method name (Telegram matches names case-insensitively)."""
        return self._by_lower.get(method.lower())

    def reaction_emoji(self) -> frozenset[str]:
        field = next(f for f in self.types["ReactionTypeEmoji"]["fields"] if f["name"] == "emoji")
        return frozenset(re.findall(r'"([^"]+)"', field["description"]))

    def check(self, method: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Coerce `raw` (form strings, JSON values or Upload parts) to the declared types.

        Returns the typed parameters and the problems found (empty when the request is valid).
        File parts named by no parameter must be referenced as `attach://<name>`.
        """
        fields = {f["name"]: f for f in self.methods[method].get("fields", [])}
        uploads = {k: v for k, v in raw.items() if isinstance(v, Upload) and k not in fields}
        used: set[str] = set()
        problems: list[str] = []
        out: dict[str, Any] = {}
        for name, value in raw.items():
            if name in uploads:
                continue
            if name not in fields:
                problems.append(f"unknown parameter {name!r}")
                continue
            try:
                out[name] = self._coerce(
                    value, fields[name]["types"], name, uploads, used, top=True
                )
            except _Mismatch as e:
                problems.append(str(e))
        problems += [
            f"parameter {n!r} is required"
            for n, f in fields.items()
            if f["required"] and n not in raw
        ]
        problems += [
            f"unknown parameter {n!r} (file never attached)" for n in uploads if n not in used
        ]
        return out, problems

    def _coerce(
        self,
        value: Any,
        types: list[str],
        path: str,
        uploads: Mapping[str, Upload],
        used: set[str],
        *,
        top: bool,
    ) -> Any:
        errors: list[str] = []
        for type_name in types:
            try:
                return self._coerce_one(value, type_name, path, uploads, used, top=top)
            except _Mismatch as e:
                errors.append(str(e))
        if len(errors) == 1:
            raise _Mismatch(errors[0])
        # Prefer a detailed error from inside an object over "expected X or Y".
        detailed = [e for e in errors if not e.startswith(f"{path}: expected")]
        raise _Mismatch(detailed[0] if detailed else f"{path}: expected {' or '.join(types)}")

    def _coerce_one(
        self,
        value: Any,
        type_name: str,
        path: str,
        uploads: Mapping[str, Upload],
        used: set[str],
        *,
        top: bool,
    ) -> Any:
        expected = _Mismatch(f"{path}: expected {type_name}, got {_short(value)}")
        if type_name.startswith("Array of "):
            items = _decode_json(value, path) if top and isinstance(value, str) else value
            if not isinstance(items, list):
                raise expected
            inner = [type_name.removeprefix("Array of ")]
            return [
                self._coerce(v, inner, f"{path}[{i}]", uploads, used, top=False)
                for i, v in enumerate(items)
            ]
        if type_name in _PRIMITIVES:
            return _primitive(value, type_name, uploads, used, top=top, error=expected)
        if type_name not in self.types:
            raise _Mismatch(f"{path}: type {type_name} is missing from the fixture")
        obj = _decode_json(value, path) if top and isinstance(value, str) else value
        if not isinstance(obj, dict):
            raise expected
        return self._object(obj, type_name, path, uploads, used)

    def _object(
        self,
        obj: dict[str, Any],
        type_name: str,
        path: str,
        uploads: Mapping[str, Upload],
        used: set[str],
    ) -> dict[str, Any]:
        subtypes: list[str] = self.types[type_name].get("subtypes", [])
        if subtypes:
            kind = obj.get("type")
            match = [s for s in subtypes if self._discriminator.get(s) == kind]
            if not match:
                raise _Mismatch(f"{path}: unknown {type_name} type {kind!r}")
            return self._object(obj, match[0], path, uploads, used)
        fields = {f["name"]: f for f in self.types[type_name].get("fields", [])}
        out: dict[str, Any] = {}
        for key, item in obj.items():
            if key not in fields:
                raise _Mismatch(f"{path}: unknown field {key!r} in {type_name}")
            out[key] = self._coerce(
                item, fields[key]["types"], f"{path}.{key}", uploads, used, top=False
            )
        for key, field in fields.items():
            if field["required"] and key not in obj:
                raise _Mismatch(f"{path}: {type_name} needs field {key!r}")
        disc = self._discriminator.get(type_name)
        if disc is not None and obj.get("type") != disc:
            raise _Mismatch(f"{path}: {type_name}.type must be {disc!r}")
        return out


def _primitive(
    value: Any,
    type_name: str,
    uploads: Mapping[str, Upload],
    used: set[str],
    *,
    top: bool,
    error: _Mismatch,
) -> Any:
    """A scalar or file; at the top level form strings ("42", "true") are converted."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    text = value if isinstance(value, str) else None
    result: Any = None
    if type_name == "InputFile":
        if isinstance(value, Upload):
            result = value
        elif text is not None and text.startswith("attach://"):
            result = _attached(text, uploads, used, error)
    elif type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            result = value
        elif top and text is not None and _INT_RE.fullmatch(text.strip()):
            result = int(text)
    elif type_name == "Float":
        if number:
            result = float(value)
        elif top and text is not None:
            with contextlib.suppress(ValueError):
                result = float(text)
    elif type_name in {"Boolean", "True"}:
        result = value if isinstance(value, bool) else None
        if top and text is not None:
            result = {"true": True, "1": True, "false": False, "0": False}.get(text.lower())
        if result is False and type_name == "True":
            result = None
    elif type_name == "String":
        if text is not None:
            if text.startswith("attach://"):
                _attached(text, uploads, used, error)
            result = text
        elif top and number:
            result = str(value)
    if result is None:
        raise error
    return result


def _attached(
    value: str, uploads: Mapping[str, Upload], used: set[str], error: _Mismatch
) -> Upload:
    name = value.removeprefix("attach://")
    if name not in uploads:
        raise _Mismatch(f"{error.args[0].split(':')[0]}: no file part named {name!r}")
    used.add(name)
    return uploads[name]


def _decode_json(value: str, path: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise _Mismatch(f"{path}: can't parse JSON") from None


def _short(value: Any) -> str:
    if isinstance(value, Upload):
        return "a file"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- Text limits and Telegram's HTML parse mode ---------------------------------------------

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
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def fail(reason: str) -> BadRequest:
        return BadRequest(f"can't parse entities: {reason}")

    def offset(at: int) -> int:
        return len(source[:at].encode("utf-8"))

    while i < len(source):
        ch = source[i]
        if ch == "&" and (m := _ENTITY_RE.match(source, i)) and (val := _entity_value(m)):
            out.append(val)
            pos16 += utf16_len(val)
            i = m.end()
        elif ch == "<" and source.startswith("</", i):
            end = source.find(">", i)
            if end < 0:
                raise fail(f"Unclosed end tag at byte offset {offset(i)}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {offset(i)}")
            top = stack.pop()
            if name != top.tag:
                raise fail(
                    f'Unmatched end tag at byte offset {offset(i)}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            if entity := _make_entity(top, pos16, stack):
                entities.append(entity)
            i = end + 1
        elif ch == "<":
            m = _TAG_NAME_RE.match(source, i + 1)
            name = m.group(0).lower() if m else ""
            if name not in _ENTITY_TYPES:
                raise fail(f'Unsupported start tag "{name}" at byte offset {offset(i)}')
            j = i + 1 + len(name)
            attrs: dict[str, str] = {}
            while am := _ATTR_RE.match(source, j):
                attrs[am.group(1).lower()] = _unescape((am.group(2) or "").strip("\"'"))
                j = am.end()
            while j < len(source) and source[j].isspace():
                j += 1
            if j >= len(source) or source[j] != ">":
                raise fail(f"Unclosed start tag at byte offset {offset(i)}")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(i)}')
            if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
                raise fail(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset(i)}'
                )
            stack.append(_Open(name, pos16, attrs))
            i = j + 1
        else:
            out.append(ch)
            pos16 += utf16_len(ch)
            i += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


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


def check_reply_markup(markup: Any) -> None:
    """callback_data of inline buttons: 1..64 bytes."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise BadRequest("BUTTON_DATA_INVALID")
