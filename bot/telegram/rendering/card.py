"""The order card in words: the lines the topic's first post carries under the chat's facts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.core.cards.card import Card, CardPosting, CardProduct, Extra
from bot.telegram.rendering.links import escape
from bot.telegram.texts.cards import (
    CARD_DATE_FORMAT,
    CARD_DELIVERY,
    CARD_HANDED_OVER,
    CARD_KEPT,
    CARD_LOADING,
    CARD_NO_POSTINGS,
    CARD_OFFER,
    CARD_POSTING,
    CARD_PRICE,
    CARD_PRODUCT,
    CARD_PRODUCT_LINE,
    CARD_QUANTITY,
    CARD_REFUSED,
    CARD_REFUSED_LINE,
    CARD_SHIP_BY,
    CARD_STATUSES,
    CARD_TITLE,
    CARD_TRACKING,
    CARD_UNAVAILABLE,
    CURRENCIES,
)


def money(amount: str | None, currency: str | None) -> str | None:
    """`2 490 ₽` from Ozon's `2490.0000` and `RUB`; None when there is no amount."""
    if not amount:
        return None
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return escape(amount)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\u00a0").replace(".", ",")
    sign = CURRENCIES.get(currency or "", currency or "")
    return f"{text}\u00a0{escape(sign)}".rstrip()


class CardView:
    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz

    def lines(self, card: Card | None, *, loading: bool) -> list[str]:
        """The card's lines; `loading`: Ozon has not been asked yet (the card comes by an edit)."""
        if card is None:
            return [CARD_TITLE, CARD_LOADING] if loading else []
        lines = [CARD_TITLE]
        for posting in card.postings:
            lines += self._posting(posting)
        if _known_to_have_no_postings(card):
            lines.append(CARD_NO_POSTINGS)
        if card.product is not None:
            lines.append(self._product(card.product))
        lines += _shortfalls(card)
        return lines if len(lines) > 1 else []

    def _posting(self, posting: CardPosting) -> list[str]:
        status = CARD_STATUSES.get(posting.status, posting.status)
        lines = [
            CARD_POSTING.format(
                number=escape(posting.number), scheme=escape(posting.scheme), status=escape(status)
            )
        ]
        dates = []
        if posting.shipment_date and posting.scheme != "FBO":
            dates.append(CARD_SHIP_BY.format(date=self._date(posting.shipment_date)))
        if posting.delivering_date:
            dates.append(CARD_HANDED_OVER.format(date=self._date(posting.delivering_date)))
        window = self._window(posting.delivery_from, posting.delivery_to)
        if window:
            dates.append(CARD_DELIVERY.format(window=window))
        if posting.tracking_number:
            dates.append(CARD_TRACKING.format(tracking=escape(posting.tracking_number)))
        if dates:
            lines.append("  " + " · ".join(dates))
        lines += [self._item(product) for product in posting.products]
        return lines

    def _item(self, product: CardProduct) -> str:
        price = money(product.price, product.currency)
        return CARD_PRODUCT_LINE.format(
            name=escape(product.name),
            offer=CARD_OFFER.format(offer_id=escape(product.offer_id)) if product.offer_id else "",
            quantity=CARD_QUANTITY.format(quantity=product.quantity) if product.quantity else "",
            price=CARD_PRICE.format(price=price) if price else "",
        )

    def _product(self, product: CardProduct) -> str:
        price = money(product.price, product.currency)
        return CARD_PRODUCT.format(
            name=escape(product.name),
            offer=CARD_OFFER.format(offer_id=escape(product.offer_id)) if product.offer_id else "",
            price=CARD_PRICE.format(price=price) if price else "",
        )

    def _date(self, moment: datetime) -> str:
        return moment.astimezone(self._tz).strftime(CARD_DATE_FORMAT)

    def _window(self, begin: datetime | None, end: datetime | None) -> str:
        if begin and end:
            first, last = self._date(begin), self._date(end)
            return first if first == last else f"{first}–{last}"
        known = end or begin
        return self._date(known) if known else ""


def _known_to_have_no_postings(card: Card) -> bool:
    """The chat names an order, and Ozon was read and lists no posting of it."""
    return bool(card.order_number) and not card.postings and card.answered(Extra.POSTINGS)


def _shortfalls(card: Card) -> list[str]:
    """What the card cannot show: extras the key may not read, and Ozon not answering (with
    the last good facts kept, or none)."""
    lines = []
    if card.refused:
        what = ", ".join(CARD_REFUSED.get(extra, extra) for extra in card.refused)
        lines.append(CARD_REFUSED_LINE.format(what=what))
    if card.kept:
        lines.append(CARD_KEPT)  # Ozon did not answer now: the last good facts are shown
    if set(card.unavailable) - set(card.kept):
        lines.append(CARD_UNAVAILABLE)
    return lines
