"""The help desk's state of every buyer chat: waiting for the seller, answered, or closed.

A chat is waiting from the buyer's first message after the seller's last one, until a seller
message is delivered (a staff reply from the forum, or a message written in Ozon's cabinet), or
staff mark it as needing no reply (`/done`). Ozon closing the chat closes it; the buyer writing
again makes it waiting again. A broadcast is not an answer: a buyer with a question still waits.

Every waiting period is kept (when it began and ended, how, and who ended it) for the queue, the
reminders and the statistics. Times are Ozon's: a period begins when the buyer's message was
written, not when the bridge read it.

The rules are pure functions (`fold`), applied in the unit of work that records what changed
them, so that the state never disagrees with the history the bridge has recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.core.logfields import event
from bot.core.records import ChatRow, OutboxRow, Staff
from bot.core.states import DeskState, EndedBy
from bot.core.units import Transactions, Tx

log = logging.getLogger(__name__)

REPLY_WINDOW = timedelta(hours=48)
"""Ozon refuses the seller's messages this long after the buyer's last message."""


def reply_deadline(last_buyer_at: datetime, known_until: datetime | None = None) -> datetime:
    """Until when Ozon takes a reply: 48 hours after the buyer's last message, or later when a
    known delivery date of an FBS or rFBS order says so (`known_until`, from the order card).
    The one place the rule lives."""
    deadline = last_buyer_at + REPLY_WINDOW
    return deadline if known_until is None else max(deadline, known_until)


class Voice(Enum):
    """Who a message of the history is from, as far as the desk cares."""

    BUYER = "buyer"
    CABINET = "cabinet"
    """The seller wrote in Ozon's own cabinet."""
    STAFF = "staff"
    """A staff reply from the forum, sent by the bridge."""
    BROADCAST = "broadcast"
    """The bridge's broadcast: not an answer to anyone."""
    OTHER = "other"
    """Ozon itself, a courier, support: changes nothing."""


@dataclass(frozen=True, slots=True)
class Line:
    """One message of a chat's history, in history order."""

    message_id: str
    created_at: datetime
    voice: Voice
    staff: Staff | None = None
    """For a staff reply: the forum member who wrote it (if known)."""

    @property
    def by_seller(self) -> bool:
        return self.voice in (Voice.CABINET, Voice.STAFF)


@dataclass(frozen=True, slots=True)
class Open:
    began_at: datetime
    message_id: str | None


@dataclass(frozen=True, slots=True)
class BuyerAgain:
    at: datetime


@dataclass(frozen=True, slots=True)
class End:
    at: datetime
    by: EndedBy
    staff: Staff | None = None


Change = Open | BuyerAgain | End


@dataclass(frozen=True, slots=True)
class Facts:
    state: DeskState
    answered_at: datetime | None


def fold(facts: Facts, lines: Sequence[Line]) -> tuple[Facts, list[Change]]:
    """What newly recorded messages do to a chat's state, and the period changes they make.

    A buyer's message read only now may have been written before the seller's last answer
    (the reply crossed it): if a seller's message follows it in the same read and it is not
    newer than the last answer, it opens nothing (that answer already came after it).
    """
    changes: list[Change] = []
    for line, seller_follows in zip(lines, _seller_after(lines), strict=True):
        if line.voice is Voice.BUYER:
            facts = _buyer_line(facts, line, seller_follows, changes)
        elif line.by_seller:
            facts = _seller_line(facts, line, changes)
    return facts, changes


def _seller_after(lines: Sequence[Line]) -> list[bool]:
    """For each line, whether a seller's message follows it in the same read."""
    after: list[bool] = []
    later = False
    for line in reversed(lines):
        after.append(later)
        later = later or line.by_seller
    return after[::-1]


def _buyer_line(facts: Facts, line: Line, seller_follows: bool, changes: list[Change]) -> Facts:
    if facts.state is DeskState.WAITING:
        changes.append(BuyerAgain(line.created_at))
        return facts
    last = facts.answered_at
    if seller_follows and last is not None and line.created_at <= last:
        return facts  # crossed by the seller's answer
    changes.append(Open(line.created_at, line.message_id))
    return Facts(DeskState.WAITING, last)


def _seller_line(facts: Facts, line: Line, changes: list[Change]) -> Facts:
    state = facts.state
    if state is DeskState.WAITING:
        by = EndedBy.TELEGRAM if line.voice is Voice.STAFF else EndedBy.CABINET
        changes.append(End(line.created_at, by, line.staff))
        state = DeskState.ANSWERED
    last = facts.answered_at
    return Facts(state, line.created_at if last is None or line.created_at > last else last)


def answered(
    facts: Facts, at: datetime, by: EndedBy, staff: Staff | None
) -> tuple[Facts, list[Change]]:
    """A staff reply was delivered, or staff marked the chat as needing no reply."""
    later = at if facts.answered_at is None else max(at, facts.answered_at)
    if facts.state is not DeskState.WAITING:
        return Facts(facts.state, later), []
    return Facts(DeskState.ANSWERED, later), [End(at, by, staff)]


def closed(facts: Facts, at: datetime) -> tuple[Facts, list[Change]]:
    """Ozon closed the chat: whoever waited is not waiting any more."""
    changes: list[Change] = [End(at, EndedBy.CLOSED)] if facts.state is DeskState.WAITING else []
    return Facts(DeskState.CLOSED, facts.answered_at), changes


def opened(facts: Facts) -> tuple[Facts, list[Change]]:
    """Ozon opened a closed chat again without a buyer's message (one would make it waiting)."""
    if facts.state is DeskState.CLOSED:
        return Facts(DeskState.ANSWERED, facts.answered_at), []
    return facts, []


Rule = Callable[[Facts], tuple[Facts, list[Change]]]


class DeskChats(Protocol):
    async def desk_of(self, tx: Tx, chat_id: str) -> tuple[DeskState, datetime | None] | None:
        """The chat's state and when the seller last answered (None: no such chat)."""
        ...

    async def set_desk(
        self, tx: Tx, chat_id: str, desk: DeskState, *, answered_at: datetime | None = None
    ) -> None: ...

    async def get_by_topic(self, topic_id: int) -> ChatRow | None: ...


class PeriodLog(Protocol):
    async def open_period(
        self, tx: Tx, chat_id: str, began_at: datetime, message_id: str | None
    ) -> None: ...

    async def buyer_wrote(self, tx: Tx, chat_id: str, at: datetime) -> None:
        """The buyer wrote again within the open period (the reply window runs from it)."""
        ...

    async def end_period(
        self, tx: Tx, chat_id: str, at: datetime, by: EndedBy, staff: Staff | None = None
    ) -> bool: ...


class DeliveredRows(Protocol):
    async def delivered(
        self, row_id: int, ozon_message_id: str | None = None, tx: Tx | None = None
    ) -> None: ...


class Marked(Enum):
    """What `/done` did."""

    DONE = "done"
    NOT_WAITING = "not_waiting"
    NO_CHAT = "no_chat"
    """The topic is not a buyer chat's."""


class Desk:
    """Applies the rules in units of work; `on_changed` hears of every state change (the topic
    icons follow it)."""

    def __init__(
        self,
        db: Transactions,
        chats: DeskChats,
        periods: PeriodLog,
        outbox: DeliveredRows,
        *,
        on_changed: Callable[[], None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._chats = chats
        self._periods = periods
        self._outbox = outbox
        self._on_changed = on_changed
        self._now = now

    async def heard(self, tx: Tx, chat_id: str, lines: Sequence[Line]) -> bool:
        """Messages were recorded in `tx`: apply them (the caller wakes `changed` after commit).
        Returns whether the chat's state changed."""
        return await self._apply(tx, chat_id, lambda facts: fold(facts, lines))

    def changed(self) -> None:
        self._on_changed()

    async def delivered(self, row: OutboxRow, echo: str | None) -> None:
        """Ozon took an outbox row: the row is marked delivered and, for a staff reply, the chat
        is answered, in one unit of work."""
        async with self._db.transaction() as tx:
            await self._outbox.delivered(row.id, echo, tx)
            chat_id = row.chat_id
            if row.broadcast_id is not None or chat_id is None:
                return
            at = self._now()
            change = await self._apply(
                tx, chat_id, lambda f: answered(f, at, EndedBy.TELEGRAM, row.staff)
            )
        if change:
            self._on_changed()

    async def done_in_topic(self, topic_id: int, staff: Staff) -> Marked:
        """`/done` typed in a topic: its chat needs no reply."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            return Marked.NO_CHAT
        return Marked.DONE if await self.done(chat.chat_id, staff) else Marked.NOT_WAITING

    async def done(self, chat_id: str, staff: Staff) -> bool:
        """Staff say the chat needs no reply. False if it was not waiting."""
        at = self._now()
        async with self._db.transaction() as tx:
            change = await self._apply(tx, chat_id, lambda f: answered(f, at, EndedBy.DONE, staff))
        if change:
            log.info(
                "chat %s: marked as needing no reply by %s",
                chat_id,
                staff.id,
                extra=event("marked_done", chat_id=chat_id, staff_id=staff.id),
            )
            self._on_changed()
        return change

    async def closed(self, chat_ids: Sequence[str]) -> None:
        """Ozon closed these chats."""
        at = self._now()
        await self._each(chat_ids, lambda f: closed(f, at))

    async def opened(self, chat_ids: Sequence[str]) -> None:
        """Ozon's list shows these chats open again."""
        await self._each(chat_ids, opened)

    async def _each(self, chat_ids: Sequence[str], rule: Rule) -> None:
        if not chat_ids:
            return
        changed = False
        async with self._db.transaction() as tx:
            for chat_id in chat_ids:
                changed = await self._apply(tx, chat_id, rule) or changed
        if changed:
            self._on_changed()

    async def _apply(self, tx: Tx, chat_id: str, rule: Rule) -> bool:
        now = await self._chats.desk_of(tx, chat_id)
        if now is None:
            return False
        before = Facts(*now)
        after, changes = rule(before)
        for change in changes:
            if isinstance(change, Open):
                await self._periods.open_period(tx, chat_id, change.began_at, change.message_id)
            elif isinstance(change, BuyerAgain):
                await self._periods.buyer_wrote(tx, chat_id, change.at)
            else:
                await self._periods.end_period(tx, chat_id, change.at, change.by, change.staff)
        if after != before:
            await self._chats.set_desk(tx, chat_id, after.state, answered_at=after.answered_at)
        return after.state is not before.state
