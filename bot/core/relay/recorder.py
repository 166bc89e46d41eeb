"""Writing down what Ozon's history shows, before anything is posted: the messages, and in the
same transaction where the chat's cursor now stands, so that the cursor never passes a message
that was not recorded.

The seller's messages that the bridge itself sent come back in the history: each is linked to the
outbox row that sent it (the proof that the send arrived) and recorded as an echo, never posted.
The links made are returned, so that whoever asked (the outbox reconciling an unsure send) sees
them without looking again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from bot.core.desk.state import Desk, Line, Voice, sight_of
from bot.core.logfields import event
from bot.core.records import NewMessage, OutboxRow, ozon_id
from bot.core.states import OutboxKind
from bot.core.units import Transactions, Tx
from bot.ozon.models import Author, ChatMessage

log = logging.getLogger(__name__)


class MessageLog(Protocol):
    async def add(
        self,
        tx: Tx,
        chat_id: str,
        messages: Sequence[NewMessage],
        *,
        read_again: Sequence[NewMessage] = (),
    ) -> int:
        """Record new messages (once each) and the edits of `read_again`; returns how many now
        wait to be shown."""
        ...


class ChatCursors(Protocol):
    async def advance(
        self,
        tx: Tx,
        chat_id: str,
        *,
        cursor: str,
        last_message_id: str | None,
        context: tuple[str | None, str | None] | None = None,
        buyer: tuple[datetime, str | None] | None = None,
    ) -> None:
        """Move the chat's cursor forward (never back), with the order context and when the
        buyer last wrote."""
        ...


class EchoClaims(Protocol):
    async def claim_echo(
        self,
        chat_id: str,
        ozon_message_id: str,
        *,
        kind: OutboxKind,
        body: str | None,
        created_at: datetime,
    ) -> int | None:
        """The outbox row that sent this seller message, now linked to it (None: not ours)."""
        ...

    async def get(self, row_id: int) -> OutboxRow | None: ...


class CardWants(Protocol):
    async def want(self, tx: Tx, chat_id: str, order_number: str | None, sku: str | None) -> None:
        """The chat's order card is to be read (again, when the order or SKU changed)."""
        ...


@dataclass(slots=True)
class Recorded:
    waiting: int = 0
    """Messages now waiting to be shown: new ones, and edited ones shown before."""
    echoes: dict[int, str] = field(default_factory=dict)
    """Outbox rows proven delivered by this read: row id -> the Ozon message id of their copy."""

    def add(self, other: Recorded) -> None:
        self.waiting += other.waiting
        self.echoes.update(other.echoes)


class HistoryRecorder:
    def __init__(
        self,
        db: Transactions,
        chats: ChatCursors,
        messages: MessageLog,
        outbox: EchoClaims,
        desk: Desk,
        cards: CardWants | None = None,
    ) -> None:
        self._db = db
        self._chats = chats
        self._messages = messages
        self._outbox = outbox
        self._desk = desk
        self._cards = cards

    async def record(
        self,
        chat_id: str,
        fresh: Sequence[ChatMessage],
        *,
        cursor: str,
        last_message_id: str | None = None,
        read_again: Sequence[ChatMessage] = (),
    ) -> Recorded:
        """Record `fresh` messages (up to `cursor`) and, from `read_again` (messages recorded
        before, read again), the edits. The cursor only moves forward."""
        recorded = Recorded()
        lines: list[Line] = []
        new = [await self._new(chat_id, m, recorded, lines) for m in fresh]
        # Read again for edits only: never claimed as echoes now, since they could only be taken
        # for a later send of the same words.
        again = [_record_of(m, outbound=False) for m in read_again]
        context = context_of(new)
        buyer = buyer_of(new)
        async with self._db.transaction() as tx:
            recorded.waiting = await self._messages.add(tx, chat_id, new, read_again=again)
            await self._chats.advance(
                tx,
                chat_id,
                cursor=cursor,
                last_message_id=last_message_id,
                context=context,
                buyer=buyer,
            )
            if context is not None and self._cards is not None:
                await self._cards.want(tx, chat_id, *context)  # the order card follows
            desk_changed = await self._desk.heard(tx, chat_id, lines)
        if desk_changed:
            self._desk.changed()
        return recorded

    async def _new(
        self, chat_id: str, message: ChatMessage, recorded: Recorded, lines: list[Line]
    ) -> NewMessage:
        """The record of a message read for the first time, and its line for the desk."""
        outbound = False
        line = Line(
            message.message_id, message.created_at, _VOICES.get(message.author, Voice.OTHER)
        )
        if message.author == Author.SELLER and message.unreadable is None:
            file = _is_file(message)
            row = await self._outbox.claim_echo(
                chat_id,
                message.message_id,
                kind=OutboxKind.FILE if file else OutboxKind.TEXT,
                body=None if file else message.text,
                created_at=message.created_at,
            )
            if row is not None:
                log.info(
                    "chat %s: message %s is outbox %s",
                    chat_id,
                    message.message_id,
                    row,
                    extra=event(
                        "echo_matched",
                        chat_id=chat_id,
                        message_id=message.message_id,
                        outbox_id=row,
                    ),
                )
                recorded.echoes[row] = message.message_id
                outbound = True
                sent = await self._outbox.get(row)
                if sent is not None and sent.broadcast_id is not None:
                    line = replace(line, voice=Voice.BROADCAST)
                else:
                    line = replace(
                        line,
                        voice=Voice.STAFF,
                        staff=None if sent is None else sent.staff,
                        sight=None if sent is None else sight_of(sent),
                    )
        lines.append(line)
        return _record_of(message, outbound=outbound)


_VOICES = {Author.CUSTOMER: Voice.BUYER, Author.SELLER: Voice.CABINET}


def _record_of(message: ChatMessage, *, outbound: bool) -> NewMessage:
    return NewMessage(
        message_id=message.message_id,
        author=str(message.author),
        created_at=message.created_at,
        body=message.text if message.unreadable is None else "",
        is_image=message.is_image,
        order_number=ozon_id(message.order_number),
        sku=ozon_id(message.sku),
        user_id=message.user_id,
        moderation=message.moderate_image_status,
        unreadable=message.unreadable is not None,
        outbound=outbound,
    )


def context_of(messages: Sequence[NewMessage]) -> tuple[str | None, str | None] | None:
    """The order and SKU named by the newest message that names them (Ozon's "0" names none:
    `_record_of` made it None)."""
    named = [m for m in messages if m.order_number or m.sku]
    if not named:
        return None
    latest = max(named, key=lambda m: (len(m.message_id), m.message_id))
    return latest.order_number, latest.sku


def buyer_of(messages: Sequence[NewMessage]) -> tuple[datetime, str | None] | None:
    """When the buyer last wrote among these messages, and their Ozon user id."""
    from_buyer = [m for m in messages if m.author == Author.CUSTOMER]
    if not from_buyer:
        return None
    latest = max(from_buyer, key=lambda m: m.created_at)
    return latest.created_at, latest.user_id


def _is_file(message: ChatMessage) -> bool:
    """A file the seller sent shows up as a Markdown link to it (an image or a document)."""
    text = message.text.strip()
    return message.is_image or (text.startswith(("[", "![")) and text.endswith(")"))
