"""Quick replies: templates admins keep by name, sent by any member into a buyer's chat.

A template's text may hold placeholders filled from the chat it goes to: `{order_number}`,
`{sku}`, `{product}` (the product's name on the order card) and `{posting_number}`. An unknown
or malformed one is refused when the template is saved; a chat that cannot fill one gets
nothing, and staff are told which fact it lacks.

A template sent goes through the outbox like any staff reply: exactly once (its key is the
Telegram message that asked for it: the `/t` command, or the keyboard whose button was
pressed), split above Ozon's 1000 characters, with the 👌/👎 outcome on that message, and it
answers the chat on the help desk. The key covers the whole message: once one template went
out under it, nothing more does (a second button of the same keyboard queues nothing), and
`Sent.by` names who sent the one that did.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bot.core import placeholders
from bot.core.cards.card import facts_of
from bot.core.logfields import event
from bot.core.placeholders import PlaceholderError
from bot.core.records import CardRow, ChatRow, OutboxItem, OutboxRow, Staff, TemplateRow
from bot.core.replies.intake import OZON_TEXT_LIMIT
from bot.core.replies.split import split_text
from bot.core.states import OutboxKind

log = logging.getLogger(__name__)

PLACEHOLDERS = ("order_number", "sku", "product", "posting_number")
NAME = re.compile(r"^[\w-]{1,20}$")
"""One word: letters (any alphabet), digits, `_` and `-`, up to 20 (a button carries it in
Telegram's 64 bytes of callback data)."""


class TemplateProblem(StrEnum):
    BAD_NAME = "bad_name"
    NO_TEXT = "no_text"
    UNPAIRED_BRACE = "unpaired_brace"
    BAD_PLACEHOLDER = "bad_placeholder"
    """`written`: the placeholder as written."""
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    """`name`, `known`."""
    NOT_FOUND = "not_found"
    """`name`."""
    NO_CHAT = "no_chat"
    """The topic is not a buyer chat's."""
    MISSING_FACT = "missing_fact"
    """`facts`: the placeholders the chat cannot fill."""
    TOO_LONG = "too_long"
    """`parts`, `max_parts`, `limit`."""


class TemplateRefused(Exception):
    def __init__(self, problem: TemplateProblem, **values: str | int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.values: Mapping[str, str | int] = values


class TemplateStore(Protocol):
    async def put(self, name: str, body: str, author_id: int | None) -> bool: ...

    async def get(self, name: str) -> TemplateRow | None: ...

    async def all(self) -> list[TemplateRow]: ...

    async def delete(self, name: str) -> bool: ...


class StoredCards(Protocol):
    async def get(self, chat_id: str) -> CardRow | None: ...


class TemplateChats(Protocol):
    async def get_by_topic(self, topic_id: int) -> ChatRow | None:
        """The buyer chat whose topic this is."""
        ...


class TemplateQueue(Protocol):
    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        staff: Staff | None = None,
    ) -> int:
        """Queue the template's parts as one staff message keyed on `tg_message_id`; nothing
        when that message has rows already. Returns the rows added."""
        ...

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]:
        """The rows queued under a staff message, in order."""
        ...


class CardFacts:
    """What a chat can fill a template with beyond its own facts: its order card's product and
    posting."""

    def __init__(self, cards: StoredCards) -> None:
        self._cards = cards

    async def facts(self, chat: ChatRow) -> dict[str, str | None]:
        card = await self._cards.get(chat.chat_id)
        return facts_of(None if card is None else card.facts)


@dataclass(frozen=True, slots=True)
class Sent:
    name: str
    text: str
    queued: bool
    """False: the message that asked had queued a template already (a repeated update, another
    button of the same keyboard): nothing was added."""
    by: Staff | None
    """Who the buyer has it from: the sender when queued; otherwise whoever queued the message's
    rows first (None: not known, rows kept from before senders were)."""


def _checked(name: str, body: str) -> None:
    if not NAME.match(name):
        raise TemplateRefused(TemplateProblem.BAD_NAME, name=name)
    if not body.strip():
        raise TemplateRefused(TemplateProblem.NO_TEXT)
    try:
        placeholders.check(body, PLACEHOLDERS)
    except PlaceholderError as exc:
        values: dict[str, Any] = {"written": exc.written, "name": exc.name, "known": exc.known}
        problem = TemplateProblem(exc.kind.value)
        raise TemplateRefused(problem, **{k: v for k, v in values.items() if v}) from None


class Templates:
    def __init__(
        self,
        store: TemplateStore,
        chats: TemplateChats,
        outbox: TemplateQueue,
        facts: CardFacts,
        *,
        on_queued: Callable[[], None],
        max_parts: int = 5,
    ) -> None:
        self._store = store
        self._chats = chats
        self._outbox = outbox
        self._facts = facts
        self._on_queued = on_queued
        self._max_parts = max_parts

    async def save(self, name: str, body: str, author_id: int | None) -> bool:
        """Add or replace; True when it replaced one. Raises `TemplateRefused`."""
        _checked(name, body)
        replaced = await self._store.put(name, body, author_id)
        log.info(
            "template %r %s by %s",
            name.casefold(),
            "replaced" if replaced else "added",
            author_id,
            extra=event("template_saved", template=name.casefold(), staff_id=author_id),
        )
        return replaced

    async def get(self, name: str) -> TemplateRow:
        template = await self._store.get(name)
        if template is None:
            raise TemplateRefused(TemplateProblem.NOT_FOUND, name=name)
        return template

    async def all(self) -> list[TemplateRow]:
        return await self._store.all()

    async def delete(self, name: str) -> None:
        if not await self._store.delete(name):
            raise TemplateRefused(TemplateProblem.NOT_FOUND, name=name)
        log.info(
            "template %r deleted",
            name.casefold(),
            extra=event("template_deleted", template=name.casefold()),
        )

    async def send(self, topic_id: int, key_message_id: int, name: str, staff: Staff) -> Sent:
        """Queue the template, filled for the topic's chat, as a reply keyed on
        `key_message_id`. Raises `TemplateRefused`."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            raise TemplateRefused(TemplateProblem.NO_CHAT)
        template = await self.get(name)
        values = {"order_number": chat.order_number, "sku": chat.sku} | await self._facts.facts(
            chat
        )
        lacking = placeholders.missing(template.body, values)
        if lacking:
            raise TemplateRefused(TemplateProblem.MISSING_FACT, facts=", ".join(lacking))
        text = placeholders.fill(template.body, values)
        parts = split_text(text, OZON_TEXT_LIMIT)
        if len(parts) > self._max_parts:
            raise TemplateRefused(
                TemplateProblem.TOO_LONG,
                parts=len(parts),
                max_parts=self._max_parts,
                limit=OZON_TEXT_LIMIT,
            )
        items = [OutboxItem(OutboxKind.TEXT, body=part) for part in parts]
        added = await self._outbox.enqueue(
            chat.chat_id, topic_id, key_message_id, items, staff=staff
        )
        if not added:
            rows = await self._outbox.for_staff_message(key_message_id)
            first = rows[0].staff if rows else None
            return Sent(template.name, text, queued=False, by=first)
        log.info(
            "chat %s: template %r queued for %s",
            chat.chat_id,
            template.name,
            staff.id,
            extra=event(
                "template_queued",
                chat_id=chat.chat_id,
                topic_id=topic_id,
                template=template.name,
                staff_id=staff.id,
            ),
        )
        self._on_queued()
        return Sent(template.name, text, queued=True, by=staff)
