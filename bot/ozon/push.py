"""Ozon's push notifications: reading a payload into the event it stands for.

Chat types carry an event for the bridge: `TYPE_NEW_MESSAGE`, `TYPE_UPDATE_MESSAGE`,
`TYPE_MESSAGE_READ` and `TYPE_CHAT_CLOSED`. `TYPE_PING` is answered with who answers and when.
Every other type (postings, products, prices) is acknowledged and ignored, as are chats that are
not with buyers. A payload that cannot be read raises `PushRefused` with Ozon's error code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.ozon.models import BUYER_CHAT_TYPES, canonical_id, fold_enum

PushKind = Literal["new_message", "update_message", "message_read", "chat_closed"]

ERROR_UNKNOWN = "ERROR_UNKNOWN"
ERROR_MISSED = "ERROR_PARAMETER_VALUE_MISSED"
PING = "TYPE_PING"

_MAX_ID_LENGTH = 256
_MAX_UINT64 = 2**64 - 1

# Ozon's type -> (the event's kind, the field naming the message id, if the event carries one).
_CHAT_EVENTS: dict[str, tuple[PushKind, str | None]] = {
    "TYPE_NEW_MESSAGE": ("new_message", "message_id"),
    "TYPE_UPDATE_MESSAGE": ("update_message", "message_id"),
    "TYPE_MESSAGE_READ": ("message_read", "last_read_message_id"),
    "TYPE_CHAT_CLOSED": ("chat_closed", None),
}


@dataclass(frozen=True, slots=True)
class PushEvent:
    kind: PushKind
    chat_id: str
    message_id: str | None = None
    """For new/updated messages: the message's id; for `message_read`: the last read one."""
    at: datetime | None = None


class PushRefused(Exception):
    """A payload Ozon's contract does not allow: its HTTP status and Ozon's error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def parse_push(body: bytes) -> dict[str, Any]:
    """The payload as a JSON object with a `message_type`."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise PushRefused(400, ERROR_UNKNOWN, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise PushRefused(400, ERROR_UNKNOWN, "the body is not a JSON object")
    if not isinstance(payload.get("message_type"), str):
        raise PushRefused(400, ERROR_MISSED, "message_type is missing")
    return payload


def ping_answer(version: str, name: str) -> dict[str, str]:
    """What Ozon expects back for `TYPE_PING`."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {"version": version, "name": name, "time": now}


def chat_event(payload: Mapping[str, Any]) -> PushEvent | None:
    """The event of a chat push; None for types and chats the bridge does not use."""
    kind = payload["message_type"]
    if kind not in _CHAT_EVENTS:
        return None  # postings, products, prices...: acknowledged and ignored
    event_kind, id_field = _CHAT_EVENTS[kind]
    chat_id = _chat_id(payload.get("chat_id"))
    message_id = None
    if id_field is not None:
        message_id = _message_id(payload.get(id_field))
        if message_id is None:
            raise PushRefused(400, ERROR_MISSED, f"{id_field} is missing or not a message id")
    chat_type = payload.get("chat_type")
    if chat_type is not None and (
        not isinstance(chat_type, str) or fold_enum(chat_type) not in BUYER_CHAT_TYPES
    ):
        return None  # support and notification chats are never bridged
    return PushEvent(event_kind, chat_id, message_id)


def _chat_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PushRefused(400, ERROR_MISSED, "chat_id is missing")
    text = value.strip()
    if not text or len(text) > _MAX_ID_LENGTH or not text.isprintable():
        raise PushRefused(400, ERROR_MISSED, "chat_id is missing or not a chat id")
    return text


def _message_id(value: object) -> str | None:
    try:
        text = canonical_id(value)
    except (TypeError, ValueError):  # includes numbers too long to convert
        return None
    return text if int(text) <= _MAX_UINT64 else None
