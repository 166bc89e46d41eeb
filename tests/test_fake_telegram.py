"""The Bot API double, driven through the real aiogram client."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import TopicIconColor
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_spec import Spec

TOKEN = "123456:TEST-token"
CHAT = -1001234567890


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, forum_chat_id=CHAT) as tg:
        yield tg
        assert tg.errors == []


def make_bot(tg: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    b = make_bot(fake)
    yield b
    await b.session.close()


async def new_topic(bot: Bot, name: str = "Order 1") -> int:
    topic = await bot.create_forum_topic(CHAT, name, icon_color=TopicIconColor.BLUE)
    return topic.message_thread_id


async def test_topic_and_html_message_have_real_shapes(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username) == (123456, "ozon_bridge_bot")
    chat = await bot.get_chat(CHAT)
    assert chat.is_forum
    assert chat.title == "Ozon buyers"
    member = await bot.get_chat_member(CHAT, me.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_manage_topics

    first, second = await new_topic(bot, "A"), await new_topic(bot, "B")
    assert 2 <= first < second
    assert fake.topics[first].name == "A"
    assert fake.topics[first].icon_color == 0x6FB9F0

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Reply", callback_data="r:1")]]
    )
    sent = await bot.send_message(
        CHAT,
        "<b>Buyer</b> &amp; <i>seller</i> &lt;3",
        message_thread_id=first,
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert sent.message_thread_id == first
    assert sent.is_topic_message
    assert sent.text == "Buyer & seller <3"
    assert sent.from_user is not None
    assert sent.from_user.id == me.id
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 0, 5),
        ("italic", 8, 6),
    ]
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.forum_topic_created
    later = await bot.send_message(CHAT, "plain", message_thread_id=first)
    assert later.message_id > sent.message_id

    [posted, _] = fake.thread_messages(first)
    assert (posted.kind, posted.text, posted.parse_mode) == ("text", sent.text, "HTML")
    assert posted.source_text == "<b>Buyer</b> &amp; <i>seller</i> &lt;3"
    assert posted.reply_markup == {"inline_keyboard": [[{"text": "Reply", "callback_data": "r:1"}]]}
    general = await bot.send_message(CHAT, "to General")
    assert general.message_thread_id is None
    assert fake.thread_messages(None)[0].text == "to General"
    assert [c.status for c in fake.calls("sendMessage")] == [200, 200, 200]
    assert fake.spec_violations == []


async def test_deleted_unknown_and_general_threads_are_not_found(
    fake: FakeTelegram, bot: Bot
) -> None:
    thread = await new_topic(bot)
    await bot.send_message(CHAT, "hello", message_thread_id=thread)
    fake.delete_topic(thread)
    assert fake.thread_messages(thread) == []
    for target in (thread, 999, 1):
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await bot.send_message(CHAT, "again", message_thread_id=target)
    assert fake.spec_violations == []


async def test_closed_topic_answers_topic_closed_until_reopened(
    fake: FakeTelegram, bot: Bot
) -> None:
    thread = await new_topic(bot)
    fake.close_topic(thread)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(CHAT, "hi", message_thread_id=thread)
    assert await bot.reopen_forum_topic(CHAT, thread) is True
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.reopen_forum_topic(CHAT, thread)
    await bot.send_message(CHAT, "hi", message_thread_id=thread)
    await bot.close_forum_topic(CHAT, thread)
    assert fake.topics[thread].closed


async def test_rights_and_kicked_bot(fake: FakeTelegram, bot: Bot) -> None:
    fake.can_manage_topics = False
    with pytest.raises(TelegramBadRequest, match="not enough rights to create a topic"):
        await new_topic(bot)
    fake.can_manage_topics, fake.bot_kicked = True, True
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(CHAT, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100999, "hi")


async def test_fail_next_injects_429_5xx_and_dropped_connections(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in caught.value.message
    fake.fail_next(None, 500, count=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.get_me()
    fake.fail_next("getMe", 0)
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    await bot.send_message(CHAT, "through")
    assert [c.status for c in fake.calls("sendMessage")] == [429, 200]
    assert len(fake.sent) == 1
    assert fake.faults_served == 4


async def test_flood_limit_counts_group_sends_in_a_scaled_window(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.set_flood_limit(3, time_scale=0.01)  # 3 sends per 0.6 s
    assert fake.retry_after_unit == 0.01
    thread = await new_topic(bot)
    await bot.send_message(CHAT, "1", message_thread_id=thread)
    await bot.send_message(CHAT, "2", message_thread_id=thread)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "3", message_thread_id=thread)
    assert 1 <= caught.value.retry_after <= 60
    await bot.get_me()  # not a group send: never limited
    assert fake.flood_429_count == 1
    await asyncio.sleep(caught.value.retry_after * fake.retry_after_unit + 0.01)
    await bot.send_message(CHAT, "3", message_thread_id=thread)
    assert [m.text for m in fake.thread_messages(thread)] == ["1", "2", "3"]


async def test_photo_and_document_uploads_arrive_byte_exact(fake: FakeTelegram, bot: Bot) -> None:
    thread = await new_topic(bot)
    data = bytes(range(256)) * 40
    sent = await bot.send_photo(
        CHAT,
        BufferedInputFile(data, "p.jpg"),
        caption="<b>photo</b>",
        parse_mode="HTML",
        message_thread_id=thread,
    )
    assert sent.caption == "photo"
    assert sent.photo is not None
    posted = fake.sent[-1]
    assert (posted.kind, posted.file, posted.caption) == ("photo", data, "photo")
    assert fake.calls("sendPhoto")[0].params["photo"] == data
    downloaded = await bot.download(sent.photo[-1].file_id)
    assert downloaded is not None
    assert downloaded.read() == data

    doc = await bot.send_document(CHAT, BufferedInputFile(b"%PDF-1", "order.pdf"))
    assert doc.document is not None
    assert doc.document.file_name == "order.pdf"
    assert doc.document.mime_type == "application/pdf"
    assert (fake.sent[-1].kind, fake.sent[-1].file_name) == ("document", "order.pdf")

    album = await bot.send_media_group(
        CHAT,
        [
            InputMediaPhoto(media=BufferedInputFile(b"one", "1.jpg"), caption="first"),
            InputMediaPhoto(media=BufferedInputFile(b"two", "2.jpg")),
        ],
        message_thread_id=thread,
    )
    assert [m.media_group_id for m in album] == [album[0].media_group_id] * 2
    assert [m.file for m in fake.thread_messages(thread)[1:]] == [b"one", b"two"]
    assert fake.spec_violations == []


async def test_user_photo_is_downloadable_through_get_updates(fake: FakeTelegram, bot: Bot) -> None:
    thread = await new_topic(bot)
    photo = b"\xff\xd8\xff-jpeg-bytes"
    fake.user_message("look", thread_id=thread, photo=photo, from_id=42, first_name="Anna")
    fake.user_message("", thread_id=None, document=(b"doc", "a.txt", "text/plain"))
    updates = await bot.get_updates(allowed_updates=["message"])
    [created, with_photo, with_doc] = [u.message for u in updates]
    assert created is not None
    assert created.forum_topic_created is not None
    assert with_photo is not None
    assert with_photo.photo
    assert with_photo.caption == "look"
    assert with_photo.is_topic_message
    assert with_photo.message_thread_id == thread
    assert with_photo.from_user is not None
    assert with_photo.from_user.first_name == "Anna"
    buffer = io.BytesIO()
    await bot.download(with_photo.photo[-1], destination=buffer)
    assert buffer.getvalue() == photo
    assert with_doc is not None
    assert with_doc.document is not None
    assert with_doc.message_thread_id is None
    assert not with_doc.is_topic_message
    downloaded = await bot.download(with_doc.document)
    assert downloaded is not None
    assert downloaded.read() == b"doc"


async def test_get_updates_long_poll_offset_and_close(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    pushed = fake.user_message("hi", thread_id=None)
    [update] = await asyncio.wait_for(poll, 1)
    assert update.update_id == pushed
    assert update.message is not None
    assert update.message.text == "hi"
    again = await bot.get_updates(offset=pushed + 1, timeout=0)
    assert again == []

    started = time.monotonic()
    await bot.get_updates(timeout=1)
    assert time.monotonic() - started >= 0.9

    pending = asyncio.create_task(bot.get_updates(offset=pushed + 1, timeout=30))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await fake.close()
    assert await asyncio.wait_for(pending, 2) == []
    assert time.monotonic() - started < 1.5


async def test_dispatcher_polling_receives_messages_and_callbacks(
    fake: FakeTelegram, bot: Bot
) -> None:
    dp = Dispatcher()
    seen: list[str] = []

    @dp.message(F.chat.id == CHAT, F.is_topic_message, F.text)
    async def on_message(message: Message) -> None:
        seen.append(f"msg:{message.text}")
        await message.react([ReactionTypeEmoji(emoji="👍")])

    @dp.callback_query()
    async def on_callback(query: CallbackQuery) -> None:
        seen.append(f"cb:{query.data}")
        await query.answer("ok")

    thread = await new_topic(bot)
    sent = await bot.send_message(CHAT, "pick", message_thread_id=thread)
    update_id = fake.user_message("from staff", thread_id=thread)
    query_update = fake.callback("r:1", from_id=111, message_id=sent.message_id)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        for _ in range(200):
            if len(seen) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await dp.stop_polling()
        await polling
    assert sorted(seen) == ["cb:r:1", "msg:from staff"]
    assert fake.callback_answers[str(query_update)]["text"] == "ok"
    [(key, reaction)] = fake.reactions.items()
    assert key[0] == CHAT
    assert reaction == [{"type": "emoji", "emoji": "👍"}]
    assert update_id < query_update
    assert fake.spec_violations == []


async def test_edits_replies_and_deletes(fake: FakeTelegram, bot: Bot) -> None:
    thread = await new_topic(bot)
    staff = fake.user_message("question", thread_id=thread)
    [update] = await bot.get_updates(offset=staff)
    assert update.message is not None
    reply = await bot.send_message(
        CHAT,
        "answer",
        message_thread_id=thread,
        reply_parameters=ReplyParameters(message_id=update.message.message_id),
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == update.message.message_id
    assert fake.sent[-1].reply_to_message_id == update.message.message_id

    edited = await bot.edit_message_text(
        "<i>answer v2</i>", chat_id=CHAT, message_id=reply.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.text == "answer v2"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<i>answer v2</i>", chat_id=CHAT, message_id=reply.message_id, parse_mode="HTML"
        )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", url="https://e.x")]]
    )
    await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=reply.message_id, reply_markup=markup
    )
    message = fake.sent[-1]
    assert [e.method for e in message.edits] == ["editMessageText", "editMessageReplyMarkup"]
    assert message.text == "answer v2"
    assert message.reply_markup is not None
    assert await bot.delete_message(CHAT, reply.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CHAT, reply.message_id)
    assert fake.thread_messages(thread) == []


async def test_spec_violations_are_recorded(fake: FakeTelegram, bot: Bot) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.url}/bot{TOKEN}") as client:
        response = await client.post(
            "/sendMessage", data={"chat_id": str(CHAT), "text": "hi", "colour": "red"}
        )
        assert response.status_code == 400
        assert response.json()["description"] == "Bad Request: unknown parameter 'colour'"
        assert fake.spec_violations == ["sendMessage: Bad Request: unknown parameter 'colour'"]
        fake.spec_violations.clear()

        response = await client.post("/sendMessage", json={"chat_id": CHAT})
        assert "'text' is required" in response.json()["description"]
        response = await client.post(
            "/sendMessage",
            json={
                "chat_id": CHAT,
                "text": "t",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "colour": 1}]]},
            },
        )
        assert "unknown field 'colour' in InlineKeyboardButton" in response.json()["description"]
        assert len(fake.spec_violations) == 2
        fake.spec_violations.clear()

        # JSON bodies, query strings and urlencoded forms are accepted too.
        response = await client.post("/sendMessage", json={"chat_id": CHAT, "text": "json"})
        assert response.json()["result"]["text"] == "json"
        response = await client.get("/sendMessage", params={"chat_id": str(CHAT), "text": "q"})
        assert response.json()["result"]["text"] == "q"
        response = await client.post("/sendMessage", data={"chat_id": "@nobody", "text": "f"})
        assert response.json()["description"] == "Bad Request: chat not found"
    assert fake.spec_violations == []


async def test_text_limits_and_html_errors(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "&lt;" * 4096, parse_mode="HTML")  # 4096 characters once parsed
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "<br>line", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(CHAT, BufferedInputFile(b"p", "p.jpg"), caption="c" * 1025)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="я" * 33)]]  # 66 bytes
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "t", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ICON_COLOR_INVALID"):
        await bot.create_forum_topic(CHAT, "t", icon_color=0x123456)
    assert len(fake.spec_violations) == 6
    fake.spec_violations.clear()


async def test_unauthorized_and_unknown_method(fake: FakeTelegram) -> None:
    other = make_bot(fake, "999:other")
    with pytest.raises(TelegramUnauthorizedError):
        await other.get_me()
    await other.session.close()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake.url}/bot{TOKEN}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert fake.calls("sendTelepathy")[0].status == 404
    assert fake.spec_violations == ["sendTelepathy: no such method in the fixture (404)"]
    fake.spec_violations.clear()


def test_fixture_names_its_source_and_html_parser() -> None:
    spec = Spec()
    assert spec.source["version"] == "Bot API 10.1"
    assert spec.canonical("sendmessage") == "sendMessage"
    text, entities = parse_html(
        '<a href="https://x.y/?a=1&amp;b=2">link</a> <pre><code class="language-py">x</code></pre>'
    )
    assert text == "link x"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.y/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 1, "language": "py"},
    ]
