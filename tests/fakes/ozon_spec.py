"""Request validation for the Ozon double, against `tests/fixtures/ozon_chat_spec.json`.

The fixture holds the request schemas of the methods the double serves, copied from the shared
OpenAPI reference. Validation covers the subset of OpenAPI those schemas use: object/array/string/
integer/boolean types, `required`, `enum`, ranges and lengths, plus the fixture's `x-` extensions
(`x-case-insensitive`, `x-required-when`, `x-required-any-of`: at least one of these fields).
Objects are closed: unknown fields are errors. Fields of format `uint64` are accepted as JSON
integers and as decimal strings, as Ozon itself does.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "ozon_chat_spec.json"

_INT_RANGES = {
    "uint64": (0, 2**64 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "int32": (-(2**31), 2**31 - 1),
}


@cache
def load_spec() -> dict[str, Any]:
    """The fixture, parsed once."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def request_schema(path: str) -> dict[str, Any] | None:
    """The request schema of `path`, or None when the fixture does not describe it."""
    entry = load_spec()["paths"].get(path)
    if entry is None:
        return None
    schema: dict[str, Any] = entry["requestSchema"]
    return schema


def parse_uint64(value: object) -> int:
    """An already validated uint64 field (JSON integer or decimal string) as an int."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a uint64")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValueError(f"not a uint64: {value!r}")


def validate_request(path: str, body: object) -> list[str]:
    """Everything wrong with `body` as a request to `path` (empty when it conforms)."""
    schema = request_schema(path)
    if schema is None:
        return []
    return check_schema(schema, body)


def check_schema(schema: dict[str, Any], value: object, where: str = "body") -> list[str]:
    """Everything wrong with `value` against `schema` (also usable on responses)."""
    problems: list[str] = []
    _check(schema, value, where, problems)
    return problems


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: bool is a subclass of int
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _implied_type(schema: dict[str, Any]) -> str | None:
    """Some upstream schemas omit `type`; infer it from `items` or `properties`."""
    if "items" in schema:
        return "array"
    return "object" if "properties" in schema else None


def _check(schema: dict[str, Any], value: object, where: str, problems: list[str]) -> None:
    fmt = schema.get("format")
    if fmt == "uint64":
        _check_uint64(value, where, problems)
        return
    expected = schema.get("type") or _implied_type(schema)
    actual = _type_name(value)
    if expected == "number" and actual == "integer":
        actual = "number"  # JSON Schema: every integer is a number
    if expected is not None and actual != expected:
        problems.append(f"{where}: expected {expected}, got {actual}")
        return
    if isinstance(value, dict):
        _check_object(schema, value, where, problems)
    elif isinstance(value, list):
        items = schema.get("items")
        for index, item in enumerate(value):
            if items is not None:
                _check(items, item, f"{where}[{index}]", problems)
    elif isinstance(value, str):
        _check_string(schema, value, where, problems)
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_integer(schema, value, where, problems)


def _check_object(
    schema: dict[str, Any], value: dict[str, Any], where: str, problems: list[str]
) -> None:
    props: dict[str, Any] | None = schema.get("properties")
    for name in schema.get("required", []):
        if name not in value:
            problems.append(f"{where}.{name}: required field is missing")
    any_of: list[str] = schema.get("x-required-any-of", [])
    if any_of and not any(name in value for name in any_of):
        problems.append(f"{where}: one of {', '.join(any_of)} is required")
    for rule in schema.get("x-required-when", []):
        current = value.get(rule["field"])
        if isinstance(current, str) and current.lower() == str(rule["equals"]).lower():
            problems.extend(
                f"{where}.{name}: required when {rule['field']} is {rule['equals']}"
                for name in rule["required"]
                if name not in value
            )
    if props is None:  # a free-form object
        return
    for name, item in value.items():
        if name not in props:
            problems.append(f"{where}.{name}: unknown field")
        else:
            _check(props[name], item, f"{where}.{name}", problems)


def _check_string(schema: dict[str, Any], value: str, where: str, problems: list[str]) -> None:
    enum: list[str] | None = schema.get("enum")
    if enum is not None:
        if schema.get("x-case-insensitive"):
            ok = value.lower() in {e.lower() for e in enum}
        else:
            ok = value in enum
        if not ok:
            problems.append(f"{where}: {value!r} is not one of {enum}")
    min_len = schema.get("minLength")
    max_len = schema.get("maxLength")
    if min_len is not None and len(value) < min_len:
        problems.append(f"{where}: length {len(value)} is below {min_len}")
    if max_len is not None and len(value) > max_len:
        problems.append(f"{where}: length {len(value)} is above {max_len}")


def _check_integer(schema: dict[str, Any], value: int, where: str, problems: list[str]) -> None:
    low, high = _INT_RANGES.get(schema.get("format", "int64"), _INT_RANGES["int64"])
    low = max(low, schema.get("minimum", low))
    high = min(high, schema.get("maximum", high))
    if not low <= value <= high:
        problems.append(f"{where}: {value} is out of range {low}..{high}")


def _check_uint64(value: object, where: str, problems: list[str]) -> None:
    try:
        number = parse_uint64(value)
    except ValueError:
        problems.append(f"{where}: expected uint64 (integer or decimal string), got {value!r}")
        return
    if not 0 <= number <= _INT_RANGES["uint64"][1]:
        problems.append(f"{where}: {number} is out of uint64 range")
