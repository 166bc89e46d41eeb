"""`/broadcast [filters] text`: its filters, its placeholders, and why it may be refused.

What is refused is said by a `Refusal` (a reason and its values); the Telegram side words it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core import placeholders
from bot.core.placeholders import Malformed, PlaceholderError
from bot.core.records import ChatRow

PLACEHOLDERS = ("order_number", "sku", "chat_id")
_FILTER = re.compile(r"^(status=(opened|all)|days=\d{1,4}|unread=0|repeat)$")
_WORD = re.compile(r"\S+")


class Refusal(StrEnum):
    NO_TEXT = "no_text"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    """`name`: the placeholder, `known`: those there are."""
    BAD_PLACEHOLDER = "bad_placeholder"
    """`written`: the placeholder as written (a space, a format, an index)."""
    UNPAIRED_BRACE = "unpaired_brace"
    TEXT_LENGTH = "text_length"
    """`chat`, `length`, `limit`: the text for a chat is empty or too long for Ozon."""
    PREVIEW_EXPIRED = "preview_expired"
    ALREADY_DECIDED = "already_decided"
    ALREADY_FINISHED = "already_finished"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    """The buttons are for whoever started the broadcast."""


class BroadcastRefused(Exception):
    """The command (or a button) cannot act; `reason` and `values` say why."""

    def __init__(self, reason: Refusal, **values: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values: Mapping[str, str | int] = values


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "opened"
    days: int | None = None
    unread_zero: bool = False
    repeat: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "days": self.days, "unread": self.unread_zero,
                "repeat": self.repeat}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Preview:
    job_id: int
    count: int
    samples: list[str]
    seconds: float
    left_out: dict[str, int] = field(default_factory=dict)


def parse_command(args: str) -> tuple[Filters, str]:
    """Leading `key=value` words are filters, whatever whitespace (a line break included)
    separates them; the rest is the text, with its own line breaks kept."""
    filters = Filters()
    for word in _WORD.finditer(args):
        if not _FILTER.match(word.group()):
            return filters, args[word.start() :].strip()
        key, _, value = word.group().partition("=")
        if key == "status":
            filters = replace(filters, status=value)
        elif key == "days":
            filters = replace(filters, days=int(value))
        elif key == "unread":
            filters = replace(filters, unread_zero=True)
        else:
            filters = replace(filters, repeat=True)
    return filters, ""


_MALFORMED = {
    Malformed.UNPAIRED_BRACE: Refusal.UNPAIRED_BRACE,
    Malformed.BAD_PLACEHOLDER: Refusal.BAD_PLACEHOLDER,
    Malformed.UNKNOWN_PLACEHOLDER: Refusal.UNKNOWN_PLACEHOLDER,
}


def check_template(template: str) -> None:
    """Refuses a template with no text or with a placeholder no chat can fill."""
    if not template:
        raise BroadcastRefused(Refusal.NO_TEXT)
    try:
        placeholders.check(template, PLACEHOLDERS)
    except PlaceholderError as exc:
        values = {"written": exc.written, "name": exc.name, "known": exc.known}
        raise BroadcastRefused(
            Refusal(exc.kind), **{k: v for k, v in values.items() if v}
        ) from None


def render(template: str, chat: ChatRow) -> str | None:
    """The text for one chat; None when the chat lacks a value the template needs."""
    values = {"order_number": chat.order_number, "sku": chat.sku, "chat_id": chat.chat_id}
    if placeholders.missing(template, values):
        return None
    return placeholders.fill(template, values)
