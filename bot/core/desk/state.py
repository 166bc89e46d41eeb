"""The help desk's state of every buyer chat: waiting for the seller, answered, or closed.

A chat is waiting from the buyer's first message after the seller's last one, until a seller
message is delivered (a staff reply from the forum, or a message written in Ozon's cabinet), or
staff mark it as needing no reply (`/done`). Ozon closing the chat closes it; the buyer writing
again makes it waiting again. A broadcast is not an answer: a buyer with a question still waits.

Staff answer what they could see: a reply from the forum, or `/done`, answers the buyer messages
the topic showed before the staff message was written. A buyer message recorded but not shown yet
(Telegram slow, the group's budget busy), or shown only after it, is still waiting: the period it
belongs to goes on, or a new one begins with it. A message written in Ozon's cabinet answers all
the seller could read there.

Every waiting period is kept (when it began and ended, how, and who ended it) for the queue, the
reminders and the statistics. Times are Ozon's: a period begins when the buyer's message was
written, not when the bridge read it.

The rules are pure functions (`fold`), applied in the unit of work that records what changed
them, so that the state never disagrees with the history the bridge has recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.core.logfields import event
from bot.core.records import ChatRow, OutboxRow, Said, Sight, Staff
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
    sight: Sight | None = None
    """For a staff reply: what its writer could see (None: not known, it answers all)."""
    unseen: tuple[Said, ...] = ()
    """For a staff reply: the chat's buyer messages its writer could not see (the desk reads
    them from `sight` before the rules run)."""

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
    since: Said | None = None
    """While waiting: the buyer message the open period began with."""


def fold(facts: Facts, lines: Sequence[Line]) -> tuple[Facts, list[Change]]:
    """What newly recorded messages do to a chat's state, and the period changes they make.

    A buyer's message read only now is shown to nobody yet: the copy of a staff reply read with
    it (the reply crossed it) answers only what its writer saw, as the reply itself did.
    """
    changes: list[Change] = []
    for line in lines:
        facts = _line(facts, line, changes)
    return facts, changes


def _line(facts: Facts, line: Line, changes: list[Change]) -> Facts:
    at = line.created_at
    if line.voice is Voice.BUYER:
        return _buyer_line(facts, line, changes)
    if line.voice is Voice.STAFF:
        return _answer(facts, at, EndedBy.TELEGRAM, line.staff, line.unseen, changes)
    if line.voice is Voice.CABINET:
        return _answer(facts, at, EndedBy.CABINET, None, (), changes)
    return facts  # a broadcast, Ozon, a courier: nobody's answer


def _buyer_line(facts: Facts, line: Line, changes: list[Change]) -> Facts:
    if facts.state is DeskState.WAITING:
        changes.append(BuyerAgain(line.created_at))
        return facts
    changes.append(Open(line.created_at, line.message_id))
    return Facts(DeskState.WAITING, facts.answered_at, Said(line.created_at, line.message_id))


def answered(
    facts: Facts, at: datetime, by: EndedBy, staff: Staff | None, unseen: Sequence[Said] = ()
) -> tuple[Facts, list[Change]]:
    """A staff reply was delivered, or staff marked the chat as needing no reply, having seen
    all but the `unseen` buyer messages."""
    changes: list[Change] = []
    return _answer(facts, at, by, staff, unseen, changes), changes


def _answer(
    facts: Facts,
    at: datetime,
    by: EndedBy,
    staff: Staff | None,
    unseen: Sequence[Said],
    changes: list[Change],
) -> Facts:
    """The seller answered at `at` all of the open period but `unseen`: the period ends, and
    what they could not see waits on, in a period of its own from its first message; when they
    saw nothing of the period, it goes on as it was."""
    later = at if facts.answered_at is None else max(at, facts.answered_at)
    if facts.state is not DeskState.WAITING:
        return Facts(facts.state, later, facts.since)
    since = facts.since
    missed = sorted((m for m in unseen if since is None or _order(m, since) >= 0), key=_key)
    if not missed:
        changes.append(End(at, by, staff))
        return Facts(DeskState.ANSWERED, later)
    first = missed[0]
    if since is not None and _order(first, since) == 0:
        return Facts(DeskState.WAITING, later, since)  # nothing of it was seen
    changes += [End(at, by, staff), Open(first.at, first.message_id)]
    last = max(m.at for m in missed)
    if last > first.at:
        changes.append(BuyerAgain(last))
    return Facts(DeskState.WAITING, later, first)


def _order(said: Said, since: Said) -> int:
    """Where a buyer message stands against the one a period began with: -1 before it, 0 the
    same, 1 after it (by Ozon's ids, which grow, where both are known; else by time)."""
    if said.message_id is not None and since.message_id is not None:
        a, b = _id_key(said.message_id), _id_key(since.message_id)
        return (a > b) - (a < b)
    return (said.at > since.at) - (said.at < since.at)


def _id_key(message_id: str) -> tuple[int, str]:
    """Ozon's ids are decimal: compared as numbers."""
    return len(message_id), message_id


def _key(said: Said) -> tuple[datetime, int, str]:
    return (said.at, *_id_key(said.message_id or ""))


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
    async def desk_of(
        self, tx: Tx, chat_id: str
    ) -> tuple[DeskState, datetime | None, Said | None] | None:
        """The chat's state, when the seller last answered and the buyer message its open period
        began with (None: no such chat)."""
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

    async def unseen(self, tx: Tx, chat_id: str, sight: Sight) -> list[Said]:
        """The chat's buyer messages the forum group had not shown before `sight`."""
        ...


class DeliveredRows(Protocol):
    async def delivered(
        self, row_id: int, ozon_message_id: str | None = None, tx: Tx | None = None
    ) -> None: ...


class Marked(Enum):
    """What `/done` did."""

    DONE = "done"
    DONE_BUT_NEWER = "done_but_newer"
    """What staff saw needs no reply; the buyer wrote more, not shown to them: still waiting."""
    NOT_SHOWN = "not_shown"
    """The buyer's messages the chat waits about were not shown yet: still waiting."""
    NOT_WAITING = "not_waiting"
    NO_CHAT = "no_chat"
    """The topic is not a buyer chat's."""


@dataclass(frozen=True, slots=True)
class Applied:
    """What a rule did to a chat (`before` None: no such chat)."""

    before: Facts | None = None
    after: Facts | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def state_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (self.after.state is not self.before.state)
        )

    def marked(self) -> Marked:
        """What it means as the answer to `/done`."""
        if any(isinstance(change, End) for change in self.changes):
            reopened = any(isinstance(change, Open) for change in self.changes)
            return Marked.DONE_BUT_NEWER if reopened else Marked.DONE
        waiting = self.before is not None and self.before.state is DeskState.WAITING
        return Marked.NOT_SHOWN if waiting else Marked.NOT_WAITING


def sight_of(row: OutboxRow) -> Sight | None:
    """What the writer of the staff message an outbox row carries could see."""
    if row.forum_chat_id is None or row.tg_message_id is None:
        return None
    return Sight(row.forum_chat_id, row.tg_message_id)


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
        sighted = [await self._sighted(tx, chat_id, line) for line in lines]
        applied = await self._apply(tx, chat_id, lambda facts: fold(facts, sighted))
        return applied.state_changed

    def changed(self) -> None:
        self._on_changed()

    async def delivered(self, row: OutboxRow, echo: str | None) -> None:
        """Ozon took an outbox row: the row is marked delivered and, for a staff reply, the chat
        is answered (as far as its writer could see), in one unit of work."""
        async with self._db.transaction() as tx:
            await self._outbox.delivered(row.id, echo, tx)
            chat_id = row.chat_id
            if row.broadcast_id is not None or chat_id is None:
                return
            at = self._now()
            unseen = await self._unseen(tx, chat_id, sight_of(row))
            applied = await self._apply(
                tx, chat_id, lambda f: answered(f, at, EndedBy.TELEGRAM, row.staff, unseen)
            )
        if applied.state_changed:
            self._on_changed()

    async def done_in_topic(self, topic_id: int, staff: Staff, sight: Sight) -> Marked:
        """`/done` typed in a topic (the message `sight`): its chat needs no reply."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            return Marked.NO_CHAT
        return await self.done(chat.chat_id, staff, sight)

    async def done(self, chat_id: str, staff: Staff, sight: Sight) -> Marked:
        """Staff say what they saw of the chat needs no reply."""
        at = self._now()
        async with self._db.transaction() as tx:
            unseen = await self._unseen(tx, chat_id, sight)
            applied = await self._apply(
                tx, chat_id, lambda f: answered(f, at, EndedBy.DONE, staff, unseen)
            )
        marked = applied.marked()
        if marked in (Marked.DONE, Marked.DONE_BUT_NEWER):
            log.info(
                "chat %s: marked as needing no reply by %s (%s)",
                chat_id,
                staff.id,
                marked.value,
                extra=event("marked_done", chat_id=chat_id, staff_id=staff.id),
            )
        if applied.state_changed:
            self._on_changed()
        return marked

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
                changed = (await self._apply(tx, chat_id, rule)).state_changed or changed
        if changed:
            self._on_changed()

    async def _sighted(self, tx: Tx, chat_id: str, line: Line) -> Line:
        """A staff reply's line, with the buyer messages its writer could not see."""
        if line.sight is None:
            return line
        return replace(line, unseen=tuple(await self._unseen(tx, chat_id, line.sight)))

    async def _unseen(self, tx: Tx, chat_id: str, sight: Sight | None) -> list[Said]:
        return [] if sight is None else await self._periods.unseen(tx, chat_id, sight)

    async def _apply(self, tx: Tx, chat_id: str, rule: Rule) -> Applied:
        now = await self._chats.desk_of(tx, chat_id)
        if now is None:
            return Applied()
        before = Facts(*now)
        after, changes = rule(before)
        for change in changes:
            if isinstance(change, Open):
                await self._periods.open_period(tx, chat_id, change.began_at, change.message_id)
            elif isinstance(change, BuyerAgain):
                await self._periods.buyer_wrote(tx, chat_id, change.at)
            else:
                await self._periods.end_period(tx, chat_id, change.at, change.by, change.staff)
        if (after.state, after.answered_at) != (before.state, before.answered_at):
            await self._chats.set_desk(tx, chat_id, after.state, answered_at=after.answered_at)
        return Applied(before, after, changes)
