"""Automatic drafts (AI_DRAFTS_AUTO): every new buyer message, once it is posted in its topic,
is asked a draft for, as `/draft` would ask.

New messages are found by the `messages` table's row ids, past a mark kept in the database: a
look reads only what was recorded since the last one (cheap however long the history), and a
restart neither drafts a message twice nor skips one. The first look, as the bridge starts, sets
the mark at the end, so turning AI_DRAFTS_AUTO on does not draft the whole history (what the
start's first poll records is new, and drafted). A chat's latest buyer message is
asked for once it is posted (a draft after the buyer's post, never before it), and only while
the chat waits for a reply; looks wait while buyer posts are still going out.
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
        self._seen: set[tuple[str, str]] = set()
        """Messages looked at in this run (a message held back by another still to be posted
        is read again by the next looks)."""

    async def look(self) -> int:
        """Ask drafts for the buyer messages posted since the last look; how many were asked."""
        mark = await self._current_mark()
        if not self._posts_done():
            return 0  # buyer posts first
        rows = await self._messages.buyer_messages_after(mark, BATCH)
        if not rows:
            return 0
        latest: dict[str, MessageRow] = {}
        held = None
        for row in rows:
            latest[row.chat_id] = row
            if row.state is MessageState.PENDING and held is None:
                held = row.id  # not posted yet: looked at again next time
        asked = 0
        for row in latest.values():
            if row.state is MessageState.POSTED and (row.chat_id, row.message_id) not in self._seen:
                self._seen.add((row.chat_id, row.message_id))
                asked += await self._ask(row)
        moved = rows[-1].id if held is None else held - 1
        if moved > mark:
            await self._mark.set(str(moved))
        if len(self._seen) > 10 * BATCH:
            self._seen.clear()  # only the messages past the mark can come again
        return asked

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
