"""Reading Ozon: which buyer chats have new messages, and recording those messages.

Ozon has no "updates since" feed. A poll pages `/v3/chat/list`, keeps buyer chats, and for each
whose `last_message_id` is past the stored cursor reads `/v3/chat/history` Forward from the cursor.
Every new message is recorded (`bot.core.relay.recorder`) before the relay posts anything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from bot.core.desk.state import Desk
from bot.core.faults import StorageError
from bot.core.locks import KeyedLocks
from bot.core.logfields import event
from bot.core.records import ChatRow, ChatSeen, Observed
from bot.core.relay.health import SyncHealth, SyncReport
from bot.core.relay.recorder import HistoryRecorder, Recorded
from bot.core.states import ChatStatus
from bot.ozon.errors import OzonAuthError, OzonError
from bot.ozon.models import ChatSummary, HistoryPage, message_id_key

log = logging.getLogger(__name__)

HISTORY_PAGE = 100
"""Messages per `/v3/chat/history` request when catching up (Ozon allows up to 1000)."""
OBSERVE_BATCH = 500
"""Chats from the list written to the database in one transaction."""


class ChatReader(Protocol):
    """Ozon's chat list and histories (`bot.ozon.client.OzonClient`)."""

    def iter_chats(
        self, *, limit: int = 100, status: str = "ALL", unread_only: bool = False
    ) -> AsyncIterator[ChatSummary]: ...

    async def chat_history(
        self,
        chat_id: str,
        *,
        direction: Literal["Forward", "Backward"] = "Backward",
        from_message_id: str | None = None,
        limit: int = 50,
        message_ids: Sequence[str] | None = None,
    ) -> HistoryPage: ...


class SyncedChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def observe_many(self, seen: Sequence[ChatSeen]) -> Observed:
        """Remember what Ozon's list shows of these chats; what changed (closed, opened)."""
        ...

    async def set_sync_error(self, chat_id: str, error: str | None) -> None: ...


class Syncer:
    def __init__(
        self,
        ozon: ChatReader,
        chats: SyncedChats,
        recorder: HistoryRecorder,
        *,
        on_recorded: Callable[[], None],
        on_closed: Callable[[], None] = lambda: None,
        desk: Desk | None = None,
        first_sight_window: timedelta = timedelta(hours=48),
        first_sight_max_messages: int = 10,
        concurrency: int = 4,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ozon = ozon
        self._chats = chats
        self._recorder = recorder
        self._on_recorded = on_recorded
        self._on_closed = on_closed
        self._desk = desk
        self._first_sight_window = first_sight_window
        self._first_sight_max = first_sight_max_messages
        self._concurrency = concurrency
        self._now = now
        self._poll_lock = asyncio.Lock()
        self._locks = KeyedLocks()
        self.health = SyncHealth()

    @property
    def busy(self) -> bool:
        """A poll is running."""
        return self._poll_lock.locked()

    async def poll(self) -> SyncReport:
        """One pass over Ozon's chat list. Never raises for one chat's failure."""
        async with self._poll_lock:
            started = time.monotonic()
            self.health.polling_since = self._now()
            try:
                report = await self._poll()
            except OzonAuthError as exc:
                self.health.failed(exc.explanation, exc.kind)
                log.error("poll failed: %s", exc.explanation)
                raise
            except (OzonError, StorageError) as exc:
                self.health.failed(str(exc))
                log.warning("poll failed: %s", exc)
                raise
            finally:
                self.health.polling_since = None
            self.health.finished(report, time.monotonic() - started, self._now())
            log.info(
                "poll: %d buyer chats, %d synced, %d new messages, %d failed, %.2fs",
                report.chats_seen,
                report.chats_synced,
                report.messages_recorded,
                len(report.failed_chats),
                self.health.last_duration,
                extra=event(
                    "poll",
                    chats=report.chats_seen,
                    synced=report.chats_synced,
                    new_messages=report.messages_recorded,
                    failed=len(report.failed_chats),
                ),
            )
            return report

    async def _poll(self) -> SyncReport:
        report = SyncReport()
        due, closed = await self._list_chats(report)
        await self._sync_due(due, report)
        if closed:
            self._on_closed()  # the relay closes their topics
        return report

    async def _list_chats(self, report: SyncReport) -> tuple[dict[str, str | None], list[str]]:
        """Page through Ozon's chat list, remembering its buyer chats in batches: the chats
        whose history moved (with the list's last message id), and those Ozon closed."""
        due: dict[str, str | None] = {}
        closed: list[str] = []
        page: list[ChatSummary] = []
        async for summary in self._ozon.iter_chats():
            if not summary.is_buyer_chat:
                continue
            report.chats_seen += 1
            page.append(summary)
            if len(page) >= OBSERVE_BATCH:
                await self._observe(page, due, closed)
                page = []
        if page:
            await self._observe(page, due, closed)
        return due, closed

    async def _observe(
        self, summaries: Sequence[ChatSummary], due: dict[str, str | None], closed: list[str]
    ) -> None:
        seen = [
            ChatSeen(s.chat_id, s.chat_type, ChatStatus(s.status), s.created_at, s.unread_count)
            for s in summaries
        ]
        observed = await self._chats.observe_many(seen)
        # Ozon closing a chat closes it on the desk (and its topic); opening it again without
        # a message makes it answered. Before the histories: a buyer's new message read below
        # makes the chat waiting again, whatever the list says.
        if self._desk is not None:
            await self._desk.closed(observed.closed)
            await self._desk.opened(observed.opened)
        closed.extend(observed.closed)
        for summary in summaries:
            if _needs_sync(observed.rows[summary.chat_id], summary):
                due[summary.chat_id] = summary.last_message_id

    async def _sync_due(self, due: dict[str, str | None], report: SyncReport) -> None:
        """Sync the chats that moved, a few at a time. One chat's failure is its own; the
        database refusing writes stops the pass (the next poll tries again)."""
        gate = asyncio.Semaphore(self._concurrency)
        refused: list[StorageError] = []

        async def one(chat_id: str, list_last_id: str | None) -> None:
            async with gate:
                if refused:
                    return
                try:
                    await self._sync_listed(chat_id, list_last_id, report)
                except StorageError as exc:
                    refused.append(exc)

        async with asyncio.TaskGroup() as group:
            for chat_id, list_last_id in due.items():
                group.create_task(one(chat_id, list_last_id))
        if refused:
            raise refused[0]

    async def _sync_listed(
        self, chat_id: str, list_last_id: str | None, report: SyncReport
    ) -> None:
        try:
            recorded = await self._sync(chat_id, list_last_id)
        except OzonError as exc:
            report.failed_chats.append(chat_id)
            fields = event("sync_failed", chat_id=chat_id)
            log.warning("chat %s: sync failed: %s", chat_id, exc, extra=fields)
            await self._chats.set_sync_error(chat_id, str(exc))
            return
        report.messages_recorded += recorded.waiting
        report.chats_synced += 1

    async def sync_chat(self, chat_id: str) -> Recorded:
        """Bring one known chat up to date (a push said it changed, or a send needs checking):
        what was recorded, and which outbox rows its history proved delivered."""
        return await self._sync(chat_id, None)

    async def refresh(self, chat_id: str, message_ids: Sequence[str]) -> int:
        """Read these messages of a chat again (a push said they changed: a buyer's edit, a
        picture's moderation) and record them as they are now, then bring the chat up to date.
        Returns how many messages wait to be shown (new or edited)."""
        edited = Recorded()
        async with self._locks.hold(chat_id):
            row = await self._chats.get(chat_id)
            if row is not None and row.sync_cursor is not None:
                page = await self._ozon.chat_history(
                    chat_id, direction="Backward", limit=len(message_ids), message_ids=message_ids
                )
                floor = message_id_key(row.sync_cursor)
                known = [m for m in page.messages if message_id_key(m.message_id) <= floor]
                if known:
                    edited = await self._recorder.record(
                        chat_id, [], cursor=row.sync_cursor, read_again=known
                    )
        if edited.waiting:
            self._on_recorded()
        return edited.waiting + (await self.sync_chat(chat_id)).waiting

    async def _sync(self, chat_id: str, list_last_id: str | None) -> Recorded:
        async with self._locks.hold(chat_id):
            row = await self._chats.get(chat_id)
            if row is None:
                # The next poll sees it in the list and applies the first-sight rule.
                return Recorded()
            if row.sync_cursor is None:
                recorded = await self._first_sight(row, list_last_id)
            else:
                recorded = await self._catch_up(chat_id, row.sync_cursor, list_last_id)
        if recorded.waiting:
            self._on_recorded()
        return recorded

    async def _first_sight(self, row: ChatRow, list_last_id: str | None) -> Recorded:
        """A chat seen for the first time: post its latest messages if it is live, else only
        remember where it stands (its topic appears with its next message)."""
        limit = max(self._first_sight_max, 1)
        page = await self._ozon.chat_history(row.chat_id, direction="Backward", limit=limit)
        latest = sorted(page.messages, key=lambda m: message_id_key(m.message_id))
        if not latest:
            return Recorded()  # nothing visible yet: the rule applies when something is
        newest = latest[-1]
        cursor = newest.message_id  # never past what the history showed
        reached = _reached(cursor, list_last_id)
        live = self._now() - newest.created_at <= self._first_sight_window
        if not live or self._first_sight_max == 0:
            log.info(
                "chat %s: first seen, quiet since %s: not posted", row.chat_id, newest.created_at
            )
            return await self._recorder.record(
                row.chat_id, [], cursor=cursor, last_message_id=reached
            )
        chosen = latest[-self._first_sight_max :]
        log.info(
            "chat %s: first seen, posting its %d latest messages",
            row.chat_id,
            len(chosen),
            extra=event("chat_first_seen", chat_id=row.chat_id, count=len(chosen)),
        )
        return await self._recorder.record(
            row.chat_id, chosen, cursor=cursor, last_message_id=reached
        )

    async def _catch_up(self, chat_id: str, cursor: str, list_last_id: str | None) -> Recorded:
        """Read Forward from the cursor until the end, recording page by page."""
        recorded = Recorded()
        while True:
            page = await self._ozon.chat_history(
                chat_id, direction="Forward", from_message_id=cursor, limit=HISTORY_PAGE
            )
            floor = message_id_key(cursor)
            fresh = sorted(
                (m for m in page.messages if message_id_key(m.message_id) > floor),
                key=lambda m: message_id_key(m.message_id),
            )
            # The cursor's own message comes back too: read again, it shows a buyer's edit.
            again = [m for m in page.messages if message_id_key(m.message_id) == floor]
            if not fresh:
                # Nothing past the cursor. If the list already counts a message the history
                # does not show yet, ask again next poll: it is remembered only once reached.
                reached = _reached(cursor, list_last_id)
                if reached is not None:
                    await self._recorder.record(chat_id, [], cursor=cursor, last_message_id=reached)
                return recorded
            cursor = fresh[-1].message_id
            done = not page.has_next
            page_recorded = await self._recorder.record(
                chat_id,
                fresh,
                cursor=cursor,
                last_message_id=_reached(cursor, list_last_id) if done else None,
                read_again=again,
            )
            recorded.add(page_recorded)
            if done:
                return recorded


def _needs_sync(row: ChatRow, summary: ChatSummary) -> bool:
    if row.sync_cursor is None:
        return True
    last = summary.last_message_id
    if last is None or last == row.last_message_id:
        return False
    return message_id_key(last) > message_id_key(row.sync_cursor)


def _reached(cursor: str, list_last_id: str | None) -> str | None:
    """The list's last message id, if the cursor has got that far (else None)."""
    if list_last_id is None or message_id_key(cursor) < message_id_key(list_last_id):
        return None
    return list_last_id
