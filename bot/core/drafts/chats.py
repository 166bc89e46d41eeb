"""Buyer chats as a source of conversations for drafts: `/draft` in a chat's topic drafts an
answer to that chat, from its own recent messages and its order card (never another chat's), and
«Отправить» queues it through the outbox as a staff reply keyed on the draft's post: exactly
once, split above Ozon's 1,000 characters, 👌/👎 on the draft, and the chat answered on the help
desk when Ozon takes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.cards.card import Card, CardPosting, CardProduct
from bot.core.drafts import wording
from bot.core.drafts.conversation import Conversation, Kind, NotSendable, Turn, Voice
from bot.core.records import CardRow, ChatRow, DraftRow, MessageRow, OutboxItem, Staff
from bot.core.replies.intake import OZON_TEXT_LIMIT
from bot.core.replies.split import split_text
from bot.core.states import DeskState, OutboxKind

CHAT = Kind("chat", OZON_TEXT_LIMIT, wording.CHAT_TASK)
TURNS = 30
"""The chat's latest messages read for a draft."""


class DraftChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def get_by_topic(self, topic_id: int) -> ChatRow | None:
        """The buyer chat whose topic this is (in the bound forum group)."""
        ...


class ChatHistory(Protocol):
    async def recent(self, chat_id: str, limit: int) -> list[MessageRow]:
        """The chat's latest messages, oldest first."""
        ...


class ChatCards(Protocol):
    async def get(self, chat_id: str) -> CardRow | None: ...


class DraftQueue(Protocol):
    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        staff: Staff | None = None,
    ) -> int:
        """Queue the draft's parts as one staff message keyed on its post; new rows."""
        ...


_PICTURE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_FILE = re.compile(r"\[([^\]]*)\]\((?:https?://[^)]*)\)")
_URL = re.compile(r"https?://\S+")


def spoken(body: str, *, is_image: bool = False) -> str:
    """A message as the model reads it: a picture or a file (Ozon's Markdown links to them, or
    a picture message's bare links) as a word in brackets, without its address."""
    text = _PICTURE.sub(wording.IMAGE, body)
    text = _FILE.sub(lambda found: wording.FILE.format(name=found.group(1)), text)
    return _URL.sub(wording.IMAGE, text) if is_image else text


def voice_of(author: str) -> Voice:
    """Who a message is from, by Ozon's author kind."""
    kind = author.upper()
    if kind == "CUSTOMER":
        return Voice.BUYER
    if kind == "SELLER":
        return Voice.SELLER
    return Voice.OZON


class BuyerChats:
    """The `ConversationSource` of buyer chats."""

    def __init__(
        self,
        chats: DraftChats,
        history: ChatHistory,
        cards: ChatCards,
        outbox: DraftQueue,
        *,
        on_queued: Callable[[], None],
        tz: ZoneInfo,
        statuses: Mapping[str, str] | None = None,
        max_parts: int = 5,
    ) -> None:
        self._chats = chats
        self._history = history
        self._cards = cards
        self._outbox = outbox
        self._on_queued = on_queued
        self._facts = CardFacts(tz, statuses or {})
        self._max_parts = max_parts

    @property
    def kind(self) -> Kind:
        return CHAT

    async def in_topic(self, topic_id: int, replied_to: int | None) -> Conversation | None:
        chat = await self._chats.get_by_topic(topic_id)
        return None if chat is None else await self._conversation(chat)

    async def read(self, key: str) -> Conversation | None:
        chat = await self._chats.get(key)
        return None if chat is None else await self._conversation(chat)

    async def _conversation(self, chat: ChatRow) -> Conversation | None:
        if chat.topic_id is None:
            return None
        rows = await self._history.recent(chat.chat_id, TURNS)
        turns = tuple(
            Turn(
                voice_of(m.author), spoken(m.body, is_image=m.is_image), m.created_at, m.message_id
            )
            for m in rows
            if not m.unreadable
        )
        card = await self._cards.get(chat.chat_id)
        facts, numbers = self._facts.of(chat, card)
        return Conversation(
            kind=CHAT,
            key=chat.chat_id,
            topic_id=chat.topic_id,
            turns=turns,
            facts=facts,
            known_numbers=numbers,
            awaiting_reply=chat.desk is DeskState.WAITING,
        )

    async def queue(self, draft: DraftRow, text: str, staff: Staff) -> bool:
        if draft.message_id is None:
            raise NotSendable("not_shown")
        parts = split_text(text, OZON_TEXT_LIMIT)
        if len(parts) > self._max_parts:
            raise NotSendable(
                "too_long", parts=len(parts), max_parts=self._max_parts, limit=OZON_TEXT_LIMIT
            )
        items = [OutboxItem(OutboxKind.TEXT, body=part) for part in parts]
        added = await self._outbox.enqueue(
            draft.key, draft.topic_id, draft.message_id, items, staff=staff
        )
        if added:
            self._on_queued()
        return added > 0


class CardFacts:
    """The order card as lines of plain text for the model, and the numbers it holds."""

    def __init__(self, tz: ZoneInfo, statuses: Mapping[str, str]) -> None:
        self._tz = tz
        self._statuses = statuses

    def of(self, chat: ChatRow, row: CardRow | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        card = None if row is None or row.facts is None else Card.from_json(row.facts)
        return tuple(self._lines(chat, card)), tuple(numbers_of(chat, card))

    def _lines(self, chat: ChatRow, card: Card | None) -> list[str]:
        lines = [wording.ORDER.format(number=chat.order_number)] if chat.order_number else []
        if card is None:
            return lines
        for posting in card.postings:
            lines += self._posting(posting)
        if card.product is not None:
            lines.append(wording.PRODUCT.format(item=self._item(card.product)))
        if card.unavailable:
            lines.append(wording.NOT_ANSWERED_YET)
        return lines

    def _posting(self, posting: CardPosting) -> list[str]:
        status = self._statuses.get(posting.status, posting.status)
        if posting.substatus:
            status += wording.POSTING_SUBSTATUS.format(substatus=posting.substatus)
        head = wording.POSTING.format(number=posting.number, scheme=posting.scheme, status=status)
        parts = [head, *self._dates(posting)]
        if posting.tracking_number:
            parts.append(wording.TRACKING.format(tracking=posting.tracking_number))
        if posting.delivery_method:
            parts.append(wording.DELIVERY_METHOD.format(method=posting.delivery_method))
        items = [wording.POSTING_ITEM.format(item=self._item(p)) for p in posting.products]
        return ["; ".join(parts), *items]

    def _dates(self, posting: CardPosting) -> list[str]:
        dates = []
        if posting.shipment_date and posting.scheme != "FBO":
            dates.append(wording.SHIP_BY.format(date=self._date(posting.shipment_date)))
        if posting.delivering_date:
            dates.append(wording.HANDED_OVER.format(date=self._date(posting.delivering_date)))
        ends = [d for d in (posting.delivery_from, posting.delivery_to) if d is not None]
        if ends:
            window = "–".join(dict.fromkeys(self._date(d) for d in ends))
            dates.append(wording.DELIVERY.format(window=window))
        return dates

    def _item(self, product: CardProduct) -> str:
        text = wording.ITEM.format(name=product.name)
        if product.offer_id:
            text += wording.ITEM_OFFER.format(offer_id=product.offer_id)
        if product.quantity:
            text += wording.ITEM_QUANTITY.format(quantity=product.quantity)
        if product.price:
            price = product.price.rstrip("0").rstrip(".") if "." in product.price else product.price
            text += wording.ITEM_PRICE.format(price=price, currency=product.currency or "")
        return text.rstrip()

    def _date(self, moment: datetime) -> str:
        return moment.astimezone(self._tz).strftime(wording.DATE)


def numbers_of(chat: ChatRow, card: Card | None) -> list[str]:
    """The chat's own numbers a draft may quote: the order's, each posting's and its tracking
    number, the products' offer ids and the SKU."""
    found = [chat.order_number, chat.sku]
    if card is not None:
        for posting in card.postings:
            found += [posting.number, posting.tracking_number]
            found += [product.offer_id for product in posting.products]
        if card.product is not None:
            found += [card.product.offer_id, card.product.sku]
    return [number for number in found if number]
