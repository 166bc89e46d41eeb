"""Automatic drafts (AI_DRAFTS_AUTO): every new buyer message, once it is posted in its topic,
is asked a draft for, as `/draft` would ask.

New messages are found by the `messages` table's row ids: a look reads only what was recorded
since the one before (cheap however long the history). A chat's latest buyer message is asked
for once it is posted (a draft after the buyer's post, never before it), and only while the chat
waits for a reply; looks wait while buyer posts are still going out. A message still to be
posted is held by its id and read again by each look until it is posted or superseded by the
chat's next one, so however long it stays unposted, no other chat's draft waits behind it.

The mark kept in the database is where a restart reads again from: the last row read, or just
before the oldest message held. A restart may so read a message twice, and the request's unique
index keeps it from being asked twice; it never skips one. The first look, as the bridge starts,
sets the mark at the end, so turning AI_DRAFTS_AUTO on does not draft the whole history (what
the start's first poll records is new, and drafted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.core.drafts.conversation import ConversationSource
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.records import MessageRow
from bot.core.states import DraftTrigger, MessageState

log = logging.getLogger(__name__)

LOOK = 0.5
"""Seconds between looks for new buyer messages (two reads of an index each)."""
BATCH = 500


class BuyerMessages(Protocol):
    async def buyer_messages_after(self, row_id: int, limit: int) -> list[MessageRow]:
        """Buyers' messages recorded after row `row_id`, in the order they were recorded."""
        ...

    async def buyer_messages(self, row_ids: list[int]) -> list[MessageRow]:
        """These buyers' messages as they stand now (a row gone is left out)."""
        ...

    async def last_row(self) -> int:
        """The id of the last message recorded (0: none)."""
        ...


class Mark(Protocol):
    """Where the last look stopped (a value of the `meta` table)."""

    async def get(self) -> str | None: ...

    async def set(self, value: str) -> None: ...


class AutoAsk(Protocol):
    async def ask(
        self,
        source: str,
        key: str,
        topic_id: int,
        trigger: DraftTrigger,
        *,
        request_message_id: int | None = None,
        answers_id: str | None = None,
        answers_at: datetime | None = None,
    ) -> int | None:
        """Write a request down; None when this buyer message was asked for already."""
        ...


class AutoDrafts:
    def __init__(
        self,
        messages: BuyerMessages,
        mark: Mark,
        requests: AutoAsk,
        source: ConversationSource,
        *,
        posts_done: Callable[[], bool],
        meter: Meter | None = None,
    ) -> None:
        self._messages = messages
        self._mark = mark
        self._requests = requests
        self._source = source
        self._posts_done = posts_done
        self._meter = meter or Meter()
        self._scan: int | None = None
        """The last row read in this run (None: the mark is read first)."""
        self._kept = -1
        """The mark as last stored."""
        self._held: dict[str, MessageRow] = {}
        """Per chat, its latest buyer message read while still to be posted."""

    async def look(self) -> int:
        """Ask drafts for the buyer messages posted since the last look; how many were asked."""
        if self._scan is None:
            self._scan = self._kept = await self._current_mark()
        if not self._posts_done():
            return 0  # buyer posts first
        rows = await self._messages.buyer_messages_after(self._scan, BATCH)
        held = await self._messages.buyer_messages(self._held_ids()) if self._held else []
        latest = {r.chat_id: r for r in held}
        latest.update((r.chat_id, r) for r in rows)  # a later message supersedes the held one
        if rows:
            self._scan = rows[-1].id
        self._held = {c: r for c, r in latest.items() if r.state is MessageState.PENDING}
        asked = 0
        for row in latest.values():
            if row.state is MessageState.POSTED:
                asked += await self._ask(row)
        await self._keep_mark()
        return asked

    def _held_ids(self) -> list[int]:
        return [row.id for row in self._held.values()]

    async def _keep_mark(self) -> None:
        """Store where a restart reads again from, when that moved."""
        assert self._scan is not None
        mark = min(self._held_ids(), default=self._scan + 1) - 1
        if mark != self._kept:
            await self._mark.set(str(mark))
            self._kept = mark

    async def _current_mark(self) -> int:
        stored = await self._mark.get()
        if stored is not None:
            return int(stored)
        start = await self._messages.last_row()
        await self._mark.set(str(start))
        return start

    async def _ask(self, row: MessageRow) -> int:
        conversation = await self._source.read(row.chat_id)
        if conversation is None or not conversation.awaiting_reply:
            return 0
        answers = conversation.answers
        draft_id = await self._requests.ask(
            self._source.kind.name,
            conversation.key,
            conversation.topic_id,
            DraftTrigger.AUTO,
            answers_id=row.message_id if answers is None else answers.message_id,
            answers_at=row.created_at if answers is None else answers.at,
        )
        if draft_id is None:
            return 0
        self._meter.add(Count.DRAFTS, "asked")
        log.info(
            "chat %s: draft %s asked for the buyer's message %s",
            row.chat_id,
            draft_id,
            row.message_id,
            extra=event(
                "draft_asked",
                chat_id=row.chat_id,
                topic_id=conversation.topic_id,
                draft_id=draft_id,
                trigger="auto",
            ),
        )
        return 1
