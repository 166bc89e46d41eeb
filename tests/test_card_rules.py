"""The order card's rules as pure functions: which postings extend the reply window and from
when, which posting `{posting_number}` names, what a failed re-read keeps of the last good
card, and a recreated topic's opening keeping its line when the card is edited in."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.cards.card import AFTER_DELIVERY, Card, CardPosting, CardProduct, Extra
from bot.core.cards.opening import with_card
from bot.core.ports import ChatFacts
from bot.core.states import CardState
from bot.telegram.rendering.posts import Renderer
from storage.cards import CardRepository
from storage.db import Database
from storage.migrations import MIGRATIONS

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MUG = CardProduct(name="Кружка", sku="1234567")
LID = CardProduct(name="Крышка", sku="7654321")


def on_its_way(number: str = "100-1-1", *, until: datetime = NOW) -> CardPosting:
    return CardPosting(
        number=number,
        status="delivering",
        scheme="FBS",
        delivery_from=until - timedelta(days=1),
        delivery_to=until,
    )


def card(
    *postings: CardPosting, product: CardProduct | None = None, unavailable: tuple[str, ...] = ()
) -> Card:
    return Card("100-1", None, postings, product=product, unavailable=unavailable)


def test_a_posting_on_its_way_extends_the_window_to_72_hours_after_the_promised_end() -> None:
    assert card(on_its_way()).reply_until == NOW + AFTER_DELIVERY


def test_a_cancelled_posting_extends_nothing() -> None:
    cancelled = replace(on_its_way(until=NOW + timedelta(days=5)), status="cancelled")
    assert card(cancelled).reply_until is None
    assert card(cancelled, on_its_way("100-1-2")).reply_until == NOW + AFTER_DELIVERY


def test_a_delivered_posting_counts_from_its_handing_over_not_the_promised_window() -> None:
    """Ozon gives no moment of delivery: it came after the posting was handed to delivery, so
    72 hours from then is the window that surely holds."""
    handed = NOW - timedelta(hours=5)
    delivered = replace(
        on_its_way(until=NOW + timedelta(days=3)), status="delivered", delivering_date=handed
    )
    assert card(delivered).reply_until == handed + AFTER_DELIVERY


def test_a_delivered_posting_without_a_known_handing_over_extends_nothing() -> None:
    delivered = replace(on_its_way(until=NOW + timedelta(days=3)), status="delivered")
    assert card(delivered).reply_until is None


def test_fbo_postings_extend_nothing() -> None:
    assert card(replace(on_its_way(), scheme="FBO")).reply_until is None


def test_posting_number_names_a_posting_that_is_not_cancelled() -> None:
    cancelled = replace(on_its_way("100-1-1"), status="cancelled", products=(LID,))
    live = replace(on_its_way("100-1-2"), products=(MUG,))
    assert card(cancelled, live).facts() == {"product": "Кружка", "posting_number": "100-1-2"}
    # All cancelled: the first is still the order's posting.
    assert card(cancelled).facts() == {"product": "Крышка", "posting_number": "100-1-1"}


def test_a_failed_re_read_keeps_the_last_good_postings_and_window() -> None:
    good = card(on_its_way(until=NOW + timedelta(days=3)), product=MUG)
    failed = card(product=MUG, unavailable=(Extra.POSTINGS,))
    kept = failed.keeping(good)
    assert kept.postings == good.postings
    assert kept.reply_until == good.reply_until
    assert kept.kept == (Extra.POSTINGS,)
    assert not kept.complete  # read again later
    # Failing again keeps the same facts; an answer drops the mark.
    assert failed.keeping(kept).postings == good.postings
    fresh = card(on_its_way(until=NOW), product=MUG)
    assert fresh.keeping(kept) == fresh
    assert Card.from_json(kept.to_json()) == kept


def test_a_failed_read_keeps_nothing_of_another_order_or_product() -> None:
    good = Card("100-1", "1234567", (on_its_way(),), MUG)
    failed = Card("200-1", "7654321", unavailable=(Extra.POSTINGS, Extra.PRODUCTS))
    assert failed.keeping(good) == failed
    assert failed.keeping(None) == failed


def test_a_card_stored_before_kept_facts_existed_still_reads() -> None:
    stored = json.loads(card(on_its_way()).to_json())
    del stored["kept"]
    assert Card.from_json(json.dumps(stored)) == card(on_its_way())


def test_a_recreated_topic_keeps_its_line_when_the_card_is_edited_in() -> None:
    renderer = Renderer(ZoneInfo("Europe/Moscow"), "https://seller.ozon.ru/{chat_id}")
    chat = ChatFacts("c1", "100-1", None, NOW)
    text = with_card(renderer, chat, card(on_its_way()), "Здравствуйте", False, recreated=True)
    assert "Прежняя тема этого чата была удалена" in text
    text = with_card(renderer, chat, card(on_its_way()), "Здравствуйте", False, recreated=False)
    assert "Прежняя тема" not in text


async def test_the_upgrade_reads_again_the_cards_of_chats_waiting_now(tmp_path: Path) -> None:
    """A card stored by an earlier version holds a reply window worked out before a cancelled
    posting stopped extending it: the cards of the chats that wait now (whose window /queue and
    the reminders count down) are read again; the others keep theirs."""
    path = tmp_path / "bridge.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:13]:
        conn.executescript(script)
    now = "2026-12-01T12:00:00.000000+00:00"
    for chat in ("waiting", "answered"):
        conn.execute(
            "INSERT INTO chats (chat_id, chat_type, status, first_seen_at, updated_at) "
            "VALUES (?, 'BUYER_SELLER', 'OPENED', ?, ?)",
            (chat, now, now),
        )
        conn.execute(
            "INSERT INTO order_cards (chat_id, order_number, facts, state, attempts, "
            "reply_until, updated_at) VALUES (?, '100-1', '{}', 'complete', 0, ?, ?)",
            (chat, "2026-12-20T12:00:00.000000+00:00", now),
        )
    conn.execute(
        "INSERT INTO waiting_periods (chat_id, began_at, last_buyer_at) VALUES ('waiting', ?, ?)",
        (now, now),
    )
    conn.execute("PRAGMA user_version=13")
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        cards = CardRepository(db)
        waiting, answered = await cards.get("waiting"), await cards.get("answered")
        assert waiting is not None
        assert answered is not None
        assert (waiting.state, answered.state) == (CardState.WANTED, CardState.COMPLETE)
        assert [row.chat_id for row in await cards.due()] == ["waiting"]
    finally:
        await db.close()
