"""What the tests of reviews and questions share: the product they are about, finding the two
topics and the posts in them, staff replying to a post, and reading what the bridge kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.telegram.texts.feedback import TOPIC_QUESTIONS, TOPIC_REVIEWS
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_model import FakeMessage

MUG = "1830557412"
MUG_NAME = "Термокружка «Путник» 450 мл"
FEEDBACK = {"feedback_poll_seconds": 1}
"""Settings of a bridge that reads reviews and questions every second."""

__all__ = ["FEEDBACK", "MUG", "MUG_NAME", "TOPIC_QUESTIONS", "TOPIC_REVIEWS"]


def with_product(ozon: FakeOzon) -> FakeOzon:
    ozon.add_product(MUG, MUG_NAME, "TK-450", 2490)
    return ozon


def topic(tg: FakeTelegram, name: str) -> int | None:
    """The live topic of that name (None: there is none)."""
    found = [t.thread_id for t in tg.topics.values() if t.name == name and not t.deleted]
    assert len(found) <= 1, f"two live topics named {name}"
    return found[0] if found else None


def shown_in(message: FakeMessage) -> str:
    """What a message shows now (edits included): its text or caption."""
    return message.text or message.caption or ""


def post(tg: FakeTelegram, words: str) -> FakeMessage:
    """The bot's one live message that shows these words (text or caption)."""
    found = [m for m in tg.sent if not m.deleted and words in (m.text or m.caption or "")]
    assert len(found) == 1, f"{len(found)} posts show {words!r}"
    return found[0]


def posted(tg: FakeTelegram, words: str) -> int:
    """How many of the bot's messages (deleted ones too) show these words."""
    return sum(1 for m in tg.sent if words in (m.text or m.caption or ""))


def reply(tg: FakeTelegram, to: FakeMessage, text: str = "", **kwargs: Any) -> int:
    """Staff reply (Telegram's reply) to a post; returns the staff message's id."""
    assert to.thread_id is not None
    tg.user_message(text, thread_id=to.thread_id, reply_to=to.message_id, **kwargs)
    return max(tg.messages)


def reaction(tg: FakeTelegram, message_id: int) -> str | None:
    found = tg.reactions.get((tg.forum_chat_id, message_id))
    return found[0]["emoji"] if found else None


def answers_to(tg: FakeTelegram, message_id: int) -> list[str]:
    """What the bot said in reply to a message."""
    return [m.text or "" for m in tg.sent if m.reply_to_message_id == message_id]


def db_rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()
