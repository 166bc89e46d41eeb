"""Push events from Ozon, worked off in the background (the HTTP answer never waits for them).

Events for the same chat collapse: ten pushes for one chat while a sync runs cause one more sync,
which reads Forward from the cursor. A message that arrives through push and poll, or is pushed
twice, is recorded once (the messages table is unique on chat and message id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.core.desk.state import Desk
from bot.core.faults import StorageError
from bot.core.logfields import event
from bot.core.records import ChatRow
from bot.core.relay.sync import Syncer
from bot.core.states import ChatStatus
from bot.core.worker import Clock, Worker
from bot.ozon.errors import OzonError
from bot.ozon.push import PushEvent

log = logging.getLogger(__name__)


class PushSink(Protocol):
    """What the web side hands a checked push to (`bot.web.push`)."""

    def accept(self, event: PushEvent) -> None:
        """Queue an event; must not block (the HTTP answer waits for it)."""
        ...


class PushedChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def observe(
        self,
        chat_id: str,
        *,
        chat_type: str,
        status: ChatStatus,
        created_at: datetime | None,
        unread_count: int,
    ) -> ChatRow:
        """Remember a chat seen (a pushed chat never listed yet: its first sight follows)."""
        ...

    async def set_status(self, chat_id: str, status: ChatStatus) -> bool: ...


class PushInbox(Worker):
    """Implements `PushSink`."""

    name = "push-inbox"

    def __init__(
        self,
        syncer: Syncer,
        chats: PushedChats,
        desk: Desk,
        *,
        on_closed: Callable[[], None],
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._syncer = syncer
        self._chats = chats
        self._desk = desk
        self._on_closed = on_closed
        self._to_sync: dict[str, set[str]] = {}
        """Chats to sync, in arrival order, with the ids of messages pushed as changed."""
        self._to_close: dict[str, None] = {}  # insertion-ordered set
        self.accepted = 0

    def accept(self, event: PushEvent) -> None:
        self.accepted += 1
        if event.kind in ("new_message", "update_message"):
            edited = self._to_sync.setdefault(event.chat_id, set())
            if event.kind == "update_message" and event.message_id is not None:
                edited.add(event.message_id)
            elif event.kind == "new_message":
                # Closed, then written to again before the closing was handled: the buyer's
                # message reopens the chat, so the closing is moot (it would close over it).
                self._to_close.pop(event.chat_id, None)
        elif event.kind == "chat_closed":
            self._to_close[event.chat_id] = None
        else:
            return  # read receipts: nothing to do yet
        self.wake()

    @property
    def depth(self) -> int:
        return len(self._to_sync) + len(self._to_close)

    async def step(self) -> float | None:
        while (self._to_sync or self._to_close) and not self.stopping:
            if self._to_sync:
                chat_id = next(iter(self._to_sync))
                edited = self._to_sync.pop(chat_id)
                await self._sync(chat_id, sorted(edited))
            else:
                chat_id = next(iter(self._to_close))
                del self._to_close[chat_id]
                try:
                    await self._close(chat_id)
                except StorageError as exc:
                    log.warning(
                        "chat %s: closing not recorded: %s",
                        chat_id,
                        exc,
                        extra=event("chat_close_failed", chat_id=chat_id),
                    )
        return None

    async def _sync(self, chat_id: str, edited: list[str]) -> None:
        try:
            if await self._chats.get(chat_id) is None:
                # A chat never seen: the first-sight rule applies now rather than at the next poll.
                await self._chats.observe(
                    chat_id,
                    chat_type="BUYER_SELLER",
                    status=ChatStatus.OPENED,
                    created_at=None,
                    unread_count=0,
                )
            if edited:
                recorded = await self._syncer.refresh(chat_id, edited)
            else:
                recorded = (await self._syncer.sync_chat(chat_id)).waiting
        except (OzonError, StorageError) as exc:
            log.warning(
                "chat %s: push sync failed (polling will catch up%s): %s",
                chat_id,
                f"; the edit of {', '.join(edited)} may not be shown" if edited else "",
                exc,
                extra=event("push_sync_failed", chat_id=chat_id),
            )
            return
        except Exception:
            log.exception(
                "chat %s: push sync failed (polling will catch up)",
                chat_id,
                extra=event("push_sync_failed", chat_id=chat_id),
            )
            return
        log.info(
            "chat %s: push sync recorded %d new or edited message(s)",
            chat_id,
            recorded,
            extra=event("push_synced", chat_id=chat_id, count=recorded),
        )

    async def _close(self, chat_id: str) -> None:
        """Ozon closed the chat: recorded, and the relay closes its topic (after the posts that
        wait for it), as when a poll finds the chat closed."""
        if await self._chats.get(chat_id) is None:
            return
        await self._chats.set_status(chat_id, ChatStatus.CLOSED)
        await self._desk.closed([chat_id])
        log.info(
            "chat %s: closed in Ozon (push)", chat_id, extra=event("chat_closed", chat_id=chat_id)
        )
        self._on_closed()
