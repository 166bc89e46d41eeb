"""An order card edited into a first post shortens itself to fit beside the buyer's words:
the whole card, then its postings without their products, then none; it never keeps saying
that it is on its way."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.cards.card import Card, CardPosting, CardProduct
from bot.core.cards.opening import with_card
from bot.core.ports import ChatFacts
from bot.telegram.rendering.posts import Renderer

FACTS = ChatFacts("c1", "100-1", None, datetime(2026, 11, 1, tzinfo=UTC))
CARD = Card(
    order_number="100-1",
    sku=None,
    postings=tuple(
        CardPosting(
            number=f"100-1-{n}",
            status="delivering",
            scheme="FBS",
            products=(CardProduct(name=f"Товар номер {n} с длинным названием", price="990"),) * 3,
        )
        for n in range(1, 4)
    ),
)


def first_post(tail: str) -> str:
    renderer = Renderer(ZoneInfo("Europe/Moscow"), "https://seller.ozon.ru/{chat_id}")
    return with_card(renderer, FACTS, CARD, tail, caption=False, recreated=False)


def test_the_whole_card_when_it_fits() -> None:
    text = first_post("Здравствуйте")
    assert "100-1-3" in text
    assert "Товар номер 3" in text


def test_postings_without_products_when_the_words_leave_less_room() -> None:
    text = first_post("х" * 3600)
    assert "100-1-3" in text
    assert "Товар номер" not in text
    assert text.endswith("х" * 3600)


def test_no_card_rather_than_a_false_promise() -> None:
    text = first_post("х" * 3800)
    assert "100-1-1 ·" not in text
    assert "загружаются" not in text
    assert text.endswith("х" * 3800)
