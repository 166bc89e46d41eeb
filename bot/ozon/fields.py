"""Ozon's values as they come, evened out: ids as canonical decimal strings (uint64, above 2**53
and sometimes above int64, compared as integers), enum spellings folded (case, and Cyrillic
homoglyphs such as the `С` in Ozon's own `Сustomer`), timestamps as aware UTC datetimes, and the
loose booleans, empty strings and nulls Ozon's examples show. The pydantic field types the
models are made of."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError

__all__ = [
    "Author",
    "ChatStatus",
    "LooseBool",
    "MessageId",
    "OptionalId",
    "OptionalText",
    "OptionalUtcDatetime",
    "TextList",
    "UtcDatetime",
    "canonical_id",
    "chat_type_value",
    "entries_noting_unreadable",
    "first_problem",
    "fold_enum",
    "folded_or_none",
    "message_id_key",
    "none_as_empty_list",
    "optional_id",
    "required_text",
    "rfc3339",
    "to_utc",
]

# Cyrillic letters that look Latin, mapped to the Latin letter they imitate.
_HOMOGLYPHS = str.maketrans("СсОоЕеАаРрХхКМТНВ", "CcOoEeAaPpXxKMTHB")


def fold_enum(value: str) -> str:
    """Fold an Ozon enum spelling to one form: Latin letters, upper case, no outer blanks."""
    return value.translate(_HOMOGLYPHS).strip().upper()


def canonical_id(value: object) -> str:
    """Return an Ozon numeric id (JSON number or string) as a canonical decimal string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an integer id, got {type(value).__name__}")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"expected a non-negative integer id, got {text[:40]!r}")
    return str(int(text))


def message_id_key(mid: str) -> int:
    """Sort/compare key of a message id: ids are ordered as integers, never as text."""
    return int(mid)


class Author(StrEnum):
    """Who wrote a message (Ozon's `user.type`)."""

    CUSTOMER = "CUSTOMER"
    SELLER = "SELLER"
    CRM = "CRM"
    COURIER = "COURIER"
    SUPPORT = "SUPPORT"
    NOTIFICATION_USER = "NOTIFICATION_USER"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> Author:
        """Map any spelling (`Сustomer`, `NotificationUser`, `notification_user`); else UNKNOWN."""
        if isinstance(value, Author):
            return value
        if not isinstance(value, str):
            return cls.UNKNOWN
        key = fold_enum(value).replace("_", "").replace("-", "").replace(" ", "")
        return _AUTHOR_KEYS.get(key, cls.UNKNOWN)


_AUTHOR_KEYS = {member.value.replace("_", ""): member for member in Author}


class ChatStatus(StrEnum):
    """State of a chat; anything unrecognised is UNSPECIFIED."""

    OPENED = "OPENED"
    CLOSED = "CLOSED"
    UNSPECIFIED = "UNSPECIFIED"

    @classmethod
    def parse(cls, value: object) -> ChatStatus:
        """Map `OPENED`/`Opened`/`opened` (and the like); else UNSPECIFIED."""
        if isinstance(value, ChatStatus):
            return value
        if isinstance(value, str):
            try:
                return cls(fold_enum(value))
            except ValueError:
                return cls.UNSPECIFIED
        return cls.UNSPECIFIED


def optional_id(value: object) -> str | None:
    """Canonical id, with absent, empty and zero ids read as None."""
    if value is None or value == "":
        return None
    text = canonical_id(value)
    return None if text == "0" else text


def _optional_text(value: object) -> object:
    """Empty strings are None; numbers become strings."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _optional_datetime(value: object) -> object:
    return None if value == "" else value


def to_utc(value: datetime) -> datetime:
    """Naive timestamps are UTC (Ozon works in UTC); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """A moment as RFC 3339 UTC text, as Ozon's requests take it: `2026-11-28T00:00:00Z`
    (a naive datetime is UTC)."""
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def _loose_bool(value: object) -> object:
    """Accept `true`/`"true"`/`"True"`/`1`; anything else is left to pydantic's strict check."""
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in ("true", "1"):
            return True
        if folded in ("false", "0", ""):
            return False
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if value is None:
        return False
    return value


def none_as_empty_list(value: object) -> object:
    return [] if value is None else value


def chat_type_value(value: object) -> object:
    if value is None or value == "":
        return "UNSPECIFIED"
    return fold_enum(value) if isinstance(value, str) else value


def required_text(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else to_utc(value)


def folded_or_none(value: object) -> object:
    if value is None or value == "":
        return None
    return fold_enum(value) if isinstance(value, str) else value


MessageId = Annotated[str, BeforeValidator(canonical_id)]
OptionalId = Annotated[str | None, BeforeValidator(optional_id)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]
OptionalUtcDatetime = Annotated[
    datetime | None,
    BeforeValidator(_optional_datetime),
    AfterValidator(_optional_utc),
]
LooseBool = Annotated[bool, BeforeValidator(_loose_bool)]
TextList = Annotated[list[str], BeforeValidator(none_as_empty_list)]


def readable_entries(model: type[BaseModel]) -> Callable[[object], object]:
    """A list read entry by entry: null is empty, entries `model` cannot read are left out
    (one odd entry never costs the whole answer)."""

    def read(value: object) -> object:
        if value is None:
            return []
        if not isinstance(value, list):
            return value  # not a list at all: pydantic says so
        kept: list[BaseModel] = []
        for raw in value:
            with contextlib.suppress(ValidationError):
                kept.append(model.model_validate(raw))
        return kept

    return read


def first_problem(exc: ValidationError) -> str:
    """The first thing wrong with an entry, in one line (no values: they may be buyer text)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "entry"
    return f"{where}: {first['msg']}"


def entries_noting_unreadable(model: type[BaseModel], key: str, what: str) -> Callable[[Any], Any]:
    """The body of a page's `model_validator(mode="before")`: `data[key]` read entry by entry,
    an entry `model` cannot read left out with a line about it in `data["unreadable"]` (naming
    the entry `what` and its `id`, when it has a readable one), for the client to log."""

    def read(data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            return data
        kept: list[BaseModel] = []
        unreadable: list[str] = []
        for raw in data[key]:
            try:
                kept.append(model.model_validate(raw))
            except ValidationError as exc:
                unreadable.append(f"{what} {_raw_id(raw)}: {first_problem(exc)}")
        return {**data, key: kept, "unreadable": unreadable}

    return read


def _raw_id(raw: object) -> str:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value[:64] if isinstance(value, str) and value.strip() else "without an id"
