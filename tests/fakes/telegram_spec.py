"""Request checks for the Bot API double: parameters against the spec fixture, and the limits of
topic names and button data (texts and Telegram's HTML: `telegram_html`).

The fixture (`tests/fixtures/telegram_methods.json`) is a verbatim subset of the Bot API spec:
the methods the double implements and the input types their parameters reference.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "telegram_methods.json"

MAX_TOPIC_NAME = 128
MAX_CALLBACK_DATA = 64
TOPIC_ICON_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})

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
        if type_name in _SCALARS:
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

    def attach(reference: str) -> Upload:
        return _attached(reference, uploads, used, error)

    result = _SCALARS[type_name](value, top, attach)
    if result is None:
        raise error
    return result


# Each coercer takes the value, whether it is a top-level parameter (where a form sends every
# value as a string) and how to take an `attach://` file part; it returns None for a mismatch.


def _input_file(value: Any, top: bool, attach: Callable[[str], Upload]) -> Upload | None:
    if isinstance(value, Upload):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        return attach(value)
    return None


def _integer(value: Any, top: bool, attach: Callable[[str], Upload]) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if top and isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _float(value: Any, top: bool, attach: Callable[[str], Upload]) -> float | None:
    if _is_number(value):
        return float(value)
    if top and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _boolean(value: Any, top: bool, attach: Callable[[str], Upload]) -> bool | None:
    if top and isinstance(value, str):
        return _FORM_BOOLEANS.get(value.lower())
    return value if isinstance(value, bool) else None


def _true(value: Any, top: bool, attach: Callable[[str], Upload]) -> bool | None:
    return _boolean(value, top, attach) or None


def _string(value: Any, top: bool, attach: Callable[[str], Upload]) -> str | None:
    if isinstance(value, str):
        if value.startswith("attach://"):
            attach(value)  # a String parameter may name a file part too
        return value
    return str(value) if top and _is_number(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_FORM_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_SCALARS: dict[str, Callable[[Any, bool, Callable[[str], Upload]], Any]] = {
    "InputFile": _input_file,
    "Integer": _integer,
    "Float": _float,
    "Boolean": _boolean,
    "True": _true,
    "String": _string,
}


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


def check_reply_markup(markup: Any) -> None:
    """callback_data of inline buttons: 1..64 bytes."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise BadRequest("BUTTON_DATA_INVALID")
