"""A message in a topic as the core sees it (`to_staff_message`): its text with hidden links
written out, its photo and document, why it cannot go to Ozon, and whether it is a reply at all.
The messages are Telegram's JSON, read by aiogram as in the bridge."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Message

from bot.core.records import Staff
from bot.core.replies.staff import StaffFile, StaffMessage, Unsendable
from bot.telegram.commands.staff_message import to_staff_message
from bot.telegram.texts.desk import ANONYMOUS_ADMIN

BOT_ID = 123456
CHAT = {"id": -1001234567890, "type": "supergroup", "title": "Ozon buyers", "is_forum": True}
STAFF = {"id": 1000, "is_bot": False, "first_name": "Анна", "last_name": "К."}
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Ozon Bridge", "username": "ozon_bridge_bot"}
ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
TOPIC = 7


def message(**fields: Any) -> Message:
    """A person's message in topic 7, replying to nothing in particular: as Telegram sends it,
    it carries the topic's creation message (made here by the bridge)."""
    base: dict[str, Any] = {
        "message_id": 42,
        "date": 1_700_000_000,
        "chat": CHAT,
        "from": STAFF,
        "message_thread_id": TOPIC,
        "is_topic_message": True,
        "reply_to_message": {
            "message_id": TOPIC,
            "date": 1_699_999_000,
            "chat": CHAT,
            "from": BOT,
            "message_thread_id": TOPIC,
            "forum_topic_created": {"name": "Заказ 1", "icon_color": 7322096},
        },
    }
    base.update(fields)
    return Message.model_validate({k: v for k, v in base.items() if v is not None})


def staff_message(**fields: Any) -> StaffMessage:
    """The core's view of `message()`: Анна's message 42 in the bridge's topic 7, `fields` aside."""
    usual: dict[str, Any] = {
        "topic_id": TOPIC,
        "message_id": 42,
        "topic_by_bridge": True,
        "staff": Staff(1000, "Анна К."),
    }
    return StaffMessage(**(usual | fields))


PHOTO = [
    {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 900},
    {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 853, "file_size": 90000},
    {"file_id": "mid", "file_unique_id": "m", "width": 320, "height": 213, "file_size": 9000},
]
DOCUMENT = {
    "file_id": "doc",
    "file_unique_id": "d",
    "file_name": "акт.pdf",
    "mime_type": "application/pdf",
    "file_size": 5000,
}
HIDDEN_LINK = {"type": "text_link", "offset": 4, "length": 4, "url": "https://shop.example/"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "Добрый день"}, staff_message(text="Добрый день")),
        (
            {"text": "Наш сайт", "entities": [HIDDEN_LINK]},
            staff_message(text="Наш сайт (https://shop.example/)"),
        ),
        (
            {"photo": PHOTO, "caption": "Вот сайт", "caption_entities": [HIDDEN_LINK]},
            staff_message(
                text="Вот сайт (https://shop.example/)",
                files=(StaffFile("large", "photo_42.jpg", 90000, "image/jpeg", True),),
            ),
        ),
        (
            {"document": DOCUMENT, "media_group_id": "album-1"},
            staff_message(
                files=(StaffFile("doc", "акт.pdf", 5000, "application/pdf"),), album="album-1"
            ),
        ),
        ({"text": "/queue"}, staff_message(text="/queue", unsendable=Unsendable.COMMAND)),
        ({"text": "// только для своих"}, staff_message(text="// только для своих")),
        (
            {"text": "Чат 5", "forward_origin": {"type": "user", "date": 1, "sender_user": BOT}},
            staff_message(text="Чат 5", unsendable=Unsendable.BRIDGE_POST),
        ),
        (
            {"text": "Чат 5", "forward_origin": {"type": "user", "date": 1, "sender_user": STAFF}},
            staff_message(text="Чат 5"),
        ),
        (
            {"dice": {"emoji": "🎲", "value": 3}},
            staff_message(unsendable=Unsendable.DICE),
        ),
        (
            {"photo": PHOTO, "caption": "/help"},
            staff_message(
                text="/help", files=(StaffFile("large", "photo_42.jpg", 90000, "image/jpeg", True),)
            ),
        ),
        ({}, staff_message(unsendable=Unsendable.OTHER)),
        (
            {"text": "Ответ", "reply_to_message": {"message_id": 40, "date": 1, "chat": CHAT}},
            staff_message(text="Ответ", topic_by_bridge=False),
        ),
    ],
)
def test_a_message_in_a_topic_as_the_core_sees_it(
    fields: dict[str, Any], expected: StaffMessage
) -> None:
    assert to_staff_message(message(**fields), bot_id=BOT_ID, edited=False) == expected


def test_an_edit_and_an_anonymous_administrator() -> None:
    anonymous = message(text="Исправлено", sender_chat=CHAT, **{"from": ANONYMOUS_BOT})
    assert to_staff_message(anonymous, bot_id=BOT_ID, edited=True) == StaffMessage(
        topic_id=TOPIC,
        message_id=42,
        text="Исправлено",
        edited=True,
        topic_by_bridge=True,
        staff=Staff(None, ANONYMOUS_ADMIN),
    )


def test_a_topic_opened_by_staff_is_not_the_bridges() -> None:
    opening = message().model_dump(by_alias=True, exclude_none=True)["reply_to_message"]
    staff = to_staff_message(
        message(text="Привет", reply_to_message={**opening, "from": STAFF}),
        bot_id=BOT_ID,
        edited=False,
    )
    assert staff == staff_message(text="Привет", topic_by_bridge=False)


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "В General", "message_thread_id": None, "is_topic_message": None},
        {"forum_topic_edited": {"name": "Заказ 1 (закрыт)"}},
        {"pinned_message": {"message_id": 9, "date": 0, "chat": CHAT}},
        {"forum_topic_closed": {}},
    ],
)
def test_what_is_not_a_reply_at_all(fields: dict[str, Any]) -> None:
    assert to_staff_message(message(**fields), bot_id=BOT_ID, edited=False) is None
