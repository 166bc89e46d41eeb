"""What the core says to the Telegram side, and hears from it: plain values, no formatting.

The Telegram side renders these in Russian (`bot.telegram.texts`); the core never words anything
for staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage.errors import StorageError
from storage.records import ChatRow, MessageRow, Progress, Staff
from storage.states import DeskState, FailureReason

__all__ = [
    "ChatFacts",
    "DeskState",
    "FailureReason",
    "Notice",
    "NoticeKind",
    "Outcome",
    "Progress",
    "ShownMessage",
    "Staff",
    "StorageError",
]
"""`DeskState` (a chat's help-desk state), `FailureReason`, `Progress` (a broadcast's) and
`StorageError` (the database refuses writes) are storage's, as the core passes them on: the
Telegram side knows storage only through the core."""


@dataclass(frozen=True, slots=True)
class ChatFacts:
    """What a topic says of its buyer chat: its name and its opening post."""

    chat_id: str
    order_number: str | None
    sku: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, chat: ChatRow) -> ChatFacts:
        return cls(chat.chat_id, chat.order_number, chat.sku, chat.created_at)


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """An Ozon message as a topic shows it."""

    id: int
    """Its row (`MessageRow.id`): posts say which rows they show."""
    author: str
    created_at: datetime
    body: str
    """Ozon's Markdown."""
    is_image: bool
    moderation: str | None
    edited: bool
    """The buyer changed it after it was shown: the post says so."""
    maybe_shown: bool
    """An earlier post of it went unconfirmed: the post says it may be shown already."""
    unreadable: bool
    """Ozon sent it in a shape the bridge cannot read: a notice to look in Ozon stands in."""
    edit_of: int | None = None

    @classmethod
    def of(cls, row: MessageRow) -> ShownMessage:
        return cls(
            id=row.id,
            author=row.author,
            created_at=row.created_at,
            body=row.body,
            is_image=row.is_image,
            moderation=row.moderation,
            edited=row.edited_at is not None,
            maybe_shown=row.maybe_shown,
            unreadable=row.unreadable,
            edit_of=row.edit_of,
        )


class NoticeKind(StrEnum):
    """What staff are told about a message of theirs that was not sent as it is."""

    UNSUPPORTED = "unsupported"
    """Ozon's chat cannot carry it (`what`: the kind of content)."""
    FILE_TOO_LARGE = "file_too_large"
    """`name`, `size_mb`, `max_mb`."""
    FILE_WRONG_TYPE = "file_wrong_type"
    """`name`."""
    TEXT_TOO_LONG = "text_too_long"
    """`limit`, `parts`, `max_parts`."""
    COMMAND_IN_TOPIC = "command_in_topic"
    BRIDGE_POST_FORWARDED = "bridge_post_forwarded"
    TOPIC_NOT_LINKED = "topic_not_linked"
    NOT_ACCEPTED_STORAGE = "not_accepted_storage"
    EDIT_DELIVERED = "edit_delivered"
    """An edit of a message the buyer has: Ozon cannot change it."""
    EDIT_ON_ITS_WAY = "edit_on_its_way"
    EDIT_REFUSED = "edit_refused"
    """An edit of a message Ozon refused: the buyer has nothing."""
    EDIT_NOT_SENT = "edit_not_sent"
    """An edit of a message never meant for the buyer (a note)."""


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a staff message went, once all its parts are final."""

    parts: int
    delivered: int
    reason: FailureReason | None = None
    """Why the first part that failed failed (None: all delivered)."""
    detail: str = ""
    """Ozon's own words, where it gave a reason."""
    retriable: bool = False
    """Sending again can help («Повторить»)."""

    @property
    def ok(self) -> bool:
        return self.delivered == self.parts
