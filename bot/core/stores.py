"""What the core needs from storage, as protocols: the repositories of `storage` implement them,
and `bot.app` wires them in. The core imports only storage's plain values (`storage.records`,
`storage.states`, `storage.errors`), never the database driver.

A write that must be atomic with writes of other tables takes `tx`, the transaction of a unit of
work the core opens (`Transactions.transaction()`); the core treats it as opaque.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.records import (
    CardRow,
    ChatRow,
    ChatSeen,
    MessageRow,
    NewMessage,
    Observed,
    OutboxItem,
    OutboxRow,
    Staff,
    StaffReplies,
    Waiting,
    WaitingPeriod,
)
from bot.core.states import (
    CardState,
    ChatStatus,
    DeskState,
    EndedBy,
    FailureReason,
    OutboxKind,
    OutboxState,
)

Tx = Any
"""A unit of work's transaction, as storage gives it: passed back, never looked into."""


class Transactions(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """Writes made with the transaction commit together, or not at all."""
        ...


class DatabaseHealth(Protocol):
    write_problem: str | None

    async def ping(self) -> bool: ...


class ChatStore(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def get_by_topic(self, topic_id: int) -> ChatRow | None: ...

    async def all(self) -> list[ChatRow]: ...

    async def buyers_with_several_chats(self) -> set[str]: ...

    async def observe(
        self,
        chat_id: str,
        *,
        chat_type: str,
        status: ChatStatus,
        created_at: datetime | None,
        unread_count: int,
    ) -> ChatRow: ...

    async def observe_many(self, seen: Sequence[ChatSeen]) -> Observed: ...

    async def advance(
        self,
        tx: Tx,
        chat_id: str,
        *,
        cursor: str,
        last_message_id: str | None,
        context: tuple[str | None, str | None] | None = None,
        buyer: tuple[datetime, str | None] | None = None,
    ) -> None: ...

    async def set_topic(
        self,
        chat_id: str,
        topic_id: int,
        *,
        name: str | None = None,
        icon: DeskState | None = None,
    ) -> None: ...

    async def mark_topic_opened(self, chat_id: str, tx: Tx | None = None) -> None: ...

    async def set_sync_error(self, chat_id: str, error: str | None) -> None: ...

    async def set_status(self, chat_id: str, status: ChatStatus) -> bool: ...

    async def topics_to_close(self, limit: int = 20) -> list[ChatRow]: ...

    async def set_topic_closed(self, chat_id: str) -> None: ...

    async def topic_reopened(self, chat_id: str) -> None: ...

    async def desk_of(self, tx: Tx, chat_id: str) -> tuple[DeskState, datetime | None] | None: ...

    async def set_desk(
        self, tx: Tx, chat_id: str, desk: DeskState, *, answered_at: datetime | None = None
    ) -> None: ...

    async def icons_due(self, limit: int = 20) -> list[ChatRow]: ...

    async def set_icon_shown(self, chat_id: str, topic_id: int, shown: DeskState) -> None: ...


class CardStore(Protocol):
    async def want(
        self, tx: Tx, chat_id: str, order_number: str | None, sku: str | None
    ) -> None: ...

    async def get(self, chat_id: str) -> CardRow | None: ...

    async def due(self, limit: int = 10) -> list[CardRow]: ...

    async def read(
        self,
        chat_id: str,
        facts: str,
        state: CardState,
        *,
        reply_until: datetime | None,
        retry_in: timedelta | None = None,
    ) -> None: ...

    async def posted(
        self, chat_id: str, message_id: int, tail: str, *, caption: bool, shown: str | None
    ) -> None: ...

    async def shown(self, chat_id: str, shown: str) -> None: ...

    async def pinned(self, chat_id: str) -> None: ...

    async def to_show(self, *, pin: bool, limit: int = 10) -> list[CardRow]: ...


class StatsStore(Protocol):
    async def buyer_messages(self, since: datetime, until: datetime) -> int: ...

    async def cabinet_messages(self, since: datetime, until: datetime) -> int: ...

    async def staff_replies(self, since: datetime, until: datetime) -> list[StaffReplies]: ...

    async def desk_since(self) -> datetime | None: ...


class DeskStore(Protocol):
    async def open_period(
        self, tx: Tx, chat_id: str, began_at: datetime, message_id: str | None
    ) -> None: ...

    async def buyer_wrote(self, tx: Tx, chat_id: str, at: datetime) -> None: ...

    async def end_period(
        self, tx: Tx, chat_id: str, at: datetime, by: EndedBy, staff: Staff | None = None
    ) -> bool: ...

    async def open_for(self, chat_id: str) -> WaitingPeriod | None: ...

    async def waiting(self) -> list[Waiting]: ...

    async def periods(self, since: datetime, until: datetime) -> list[WaitingPeriod]: ...

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]: ...

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None: ...


class MessageStore(Protocol):
    async def add(
        self,
        tx: Tx,
        chat_id: str,
        messages: Sequence[NewMessage],
        *,
        read_again: Sequence[NewMessage] = (),
    ) -> int: ...

    async def chats_with_pending(self, limit: int = 50) -> list[str]: ...

    async def pending(self, chat_id: str, limit: int = 50) -> list[MessageRow]: ...

    async def mark_post_started(self, ids: Sequence[int]) -> None: ...

    async def clear_post_started(self, ids: Sequence[int]) -> None: ...

    async def mark_posted(
        self, ids: Sequence[int], tg_message_id: int, tx: Tx | None = None
    ) -> None: ...

    async def note_failure(self, ids: Sequence[int], error: str, *, final: bool) -> None: ...

    async def backlog(self) -> tuple[int, int]: ...


class OutboxStore(Protocol):
    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        album: str | None = None,
        album_settle: timedelta = timedelta(0),
        staff: Staff | None = None,
    ) -> int: ...

    async def add_broadcast_message(
        self, tx: Tx, chat_id: str, body: str, broadcast_id: int
    ) -> int: ...

    async def heads(self) -> list[OutboxRow]: ...

    async def get(self, row_id: int) -> OutboxRow | None: ...

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]: ...

    async def backlog(self) -> tuple[int, int]: ...

    async def open_broadcast_messages(self) -> int: ...

    async def begin_send(self, row_id: int, *, attempts: int, settle: timedelta) -> bool: ...

    async def delivered(
        self, row_id: int, ozon_message_id: str | None = None, tx: Tx | None = None
    ) -> None: ...

    async def postpone(
        self, row_id: int, state: OutboxState, *, attempts: int, delay: timedelta, detail: str
    ) -> None: ...

    async def give_up(
        self, row: OutboxRow, reason: FailureReason, detail: str, *, retriable: bool
    ) -> None: ...

    async def retry(self, tg_message_id: int) -> int: ...

    async def cancel_broadcast(self, tx: Tx, broadcast_id: int) -> None: ...

    async def finished_unnotified(self) -> list[tuple[int, list[OutboxRow]]]: ...

    async def mark_notified(self, tg_message_id: int) -> None: ...

    async def claim_echo(
        self,
        chat_id: str,
        ozon_message_id: str,
        *,
        kind: OutboxKind,
        body: str | None,
        created_at: datetime,
    ) -> int | None: ...
