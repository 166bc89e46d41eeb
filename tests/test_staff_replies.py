"""Telegram -> Ozon end to end: staff write in a buyer's topic, the buyer gets it, staff see how it
went. The whole bridge runs (run_bridge, the real aiogram dispatcher) against the stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.waiting import wait_for

Bridge = Callable[..., Any]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
PDF = b"%PDF-1.7\n" + b"%\xe2\xe3\xcf\xd3\n" + b"0 obj << >> endobj\n" * 500 + b"%%EOF\n"


@asynccontextmanager
async def buyer_topic(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge, **settings: Any
) -> AsyncIterator[tuple[str, int]]:
    """A running bridge with one buyer chat already shown in its topic."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте, где мой заказ?", order_number="777-1")
    async with bridge(**settings):
        await wait_for(lambda: any("где мой заказ" in (m.text or "") for m in tg.sent))
        (topic,) = [t.thread_id for t in tg.topics.values() if not t.deleted]
        yield chat, topic


def staff_says(tg: FakeTelegram, topic: int, text: str = "", **kwargs: Any) -> int:
    """A staff member writes in the topic; returns the Telegram message id."""
    tg.user_message(text, thread_id=topic, **kwargs)
    return max(tg.messages)


def reaction(tg: FakeTelegram, message_id: int) -> str | None:
    found = tg.reactions.get((tg.forum_chat_id, message_id))
    return found[0]["emoji"] if found else None


def answers(tg: FakeTelegram, message_id: int) -> list[FakeMessage]:
    return [m for m in tg.sent if m.reply_to_message_id == message_id]


def texts_to(ozon: FakeOzon, chat: str) -> list[str]:
    return [text for chat_id, text in ozon.sent_texts if chat_id == chat]


async def test_text_reply_reaches_the_buyer_and_is_not_echoed(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        note = staff_says(tg, topic, "// внутренняя заметка: проверить склад")
        reply = staff_says(tg, topic, "Добрый день! Заказ уже в пути.")
        await wait_for(lambda: reaction(tg, reply) == "👌")
        # Two polls later the bridge's own message has come back in the history: not posted.
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2)
        ozon.add_message(chat, "Спасибо!", user_type="Seller", user_id=ozon.client_id)
        await wait_for(lambda: any("Спасибо!" in (m.text or "") for m in tg.sent))

    assert texts_to(ozon, chat) == ["Добрый день! Заказ уже в пути."]
    assert reaction(tg, note) is None
    shown = "\n".join(m.text or "" for m in tg.thread_messages(topic))
    assert "Заказ уже в пути" not in shown
    # A message written in Ozon's own cabinet is posted, marked as such.
    assert "Продавец (из кабинета Ozon)" in shown
    assert any(chat_id == chat for chat_id, _ in ozon.read_marks)


async def test_long_reply_arrives_in_ordered_parts(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    paragraph = "Мы проверили ваш заказ. " * 20 + "Всё в порядке!\n\n"
    original = (paragraph * 6)[:2500]
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        reply = staff_says(tg, topic, original)
        await wait_for(lambda: reaction(tg, reply) == "👌")
    parts = texts_to(ozon, chat)
    assert len(parts) == 3
    assert all(1 <= len(part) <= 1000 for part in parts)
    assert "".join(parts) == original


async def test_too_long_reply_is_refused(ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        reply = staff_says(tg, topic, "слово " * 1200)
        await wait_for(lambda: bool(answers(tg, reply)))
    assert "слишком длинное" in (answers(tg, reply)[0].text or "")
    assert texts_to(ozon, chat) == []


async def test_photo_and_pdf_arrive_byte_exact_with_caption_after(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        photo = staff_says(tg, topic, photo=PNG, caption="Вот фото упаковки")
        pdf = staff_says(tg, topic, document=(PDF, "накладная.pdf", "application/pdf"))
        await wait_for(lambda: reaction(tg, photo) == "👌" and reaction(tg, pdf) == "👌")
    files = [(name, data) for chat_id, name, data in ozon.sent_files if chat_id == chat]
    assert [data for _, data in files] == [PNG, PDF]
    assert files[0][0].endswith(".jpg")
    assert files[1][0] == "накладная.pdf"
    assert texts_to(ozon, chat) == ["Вот фото упаковки"]
    order = [r.path for r in ozon.requests if r.path.startswith("/v1/chat/send/")]
    assert order == ["/v1/chat/send/file", "/v1/chat/send/message", "/v1/chat/send/file"]


async def test_what_ozon_cannot_carry_gets_a_clear_answer(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    big = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        sticker = staff_says(tg, topic, sticker=True)
        large = staff_says(tg, topic, document=(big, "счёт.pdf", "application/pdf"))
        word = staff_says(tg, topic, document=(b"PK\x03\x04", "договор.docx", "application/zip"))
        edited = staff_says(tg, topic, "Первый вариант")
        await wait_for(lambda: reaction(tg, edited) == "👌")
        raw = dict(tg.messages[edited].raw, text="Исправленный вариант", edit_date=1)
        tg.push_update({"edited_message": raw})
        await wait_for(lambda: all(answers(tg, m) for m in (sticker, large, word, edited)))

    assert "не принимает стикеры" in (answers(tg, sticker)[0].text or "")
    assert "не больше 10 МБ" in (answers(tg, large)[0].text or "")
    assert "JPEG, PNG, WEBP и PDF" in (answers(tg, word)[0].text or "")
    assert "не умеет изменять" in (answers(tg, edited)[0].text or "")
    assert texts_to(ozon, chat) == ["Первый вариант"]
    assert ozon.sent_files == []


async def test_refusals_are_explained_and_retriable_ones_can_be_retried(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        ozon.set_reply_window(chat, open=False)
        closed = staff_says(tg, topic, "Ответ после окна")
        await wait_for(lambda: bool(answers(tg, closed)))
        notice = answers(tg, closed)[0]
        assert reaction(tg, closed) == "👎"
        assert "окно для ответа закрыто" in (notice.text or "")
        assert notice.reply_markup is None

        ozon.set_reply_window(chat, open=True)
        ozon.premium = False
        paid = staff_says(tg, topic, "Ответ без подписки")
        await wait_for(lambda: bool(answers(tg, paid)))
        notice = answers(tg, paid)[0]
        assert "Premium Plus" in (notice.text or "")
        assert notice.reply_markup is not None
        button = notice.reply_markup["inline_keyboard"][0][0]
        assert button["text"] == "Повторить"

        ozon.premium = True
        tg.callback(button["callback_data"], from_id=111, message_id=notice.message_id)
        await wait_for(lambda: reaction(tg, paid) == "👌")

    assert texts_to(ozon, chat) == ["Ответ без подписки"]


async def test_429_and_5xx_bursts_deliver_every_reply_exactly_once(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        ozon.fail_next("/v1/chat/send/message", 429, count=3, retry_after=1)
        ozon.fail_next("/v1/chat/send/message", 500, count=2)
        ozon.drop_response_after_apply("/v1/chat/send/message")
        replies = [staff_says(tg, topic, f"Ответ номер {n}") for n in range(4)]
        await wait_for(lambda: all(reaction(tg, r) == "👌" for r in replies), within=60)
    assert texts_to(ozon, chat) == [f"Ответ номер {n}" for n in range(4)]


async def test_replies_flow_after_telegram_fails_the_bridges_first_calls(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """aiogram gives up polling for good when its opening getMe fails; the bridge starts it
    again, so a Telegram hiccup at start-up does not leave staff replies unread until a restart."""
    tg.fail_next("getMe", 502, count=2)
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        reply = staff_says(tg, topic, "Ответ после сбоя Telegram при запуске")
        await wait_for(lambda: reaction(tg, reply) == "👌", within=20)
    assert texts_to(ozon, chat) == ["Ответ после сбоя Telegram при запуске"]
    assert [c.status for c in tg.calls("getMe")][:3] == [502, 502, 200]


async def test_an_outcome_that_cannot_be_shown_does_not_hold_up_the_others(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Staff close a topic right after replying there: that failure reply cannot be posted,
    and the outcomes of other staff messages still appear at once."""
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        other_chat = ozon.add_chat()
        ozon.add_message(other_chat, "Второй покупатель", order_number="777-2")
        await wait_for(lambda: "Второй покупатель" in "".join(m.text or "" for m in tg.sent))
        (other_topic,) = [t.thread_id for t in tg.topics.values() if t.thread_id != topic]
        ozon.set_reply_window(chat, open=False)
        tg.close_topic(topic)
        late = staff_says(tg, topic, "Ответ в закрытую тему")
        await wait_for(lambda: reaction(tg, late) == "👎")
        fine = staff_says(tg, other_topic, "Ответ второму покупателю")
        await wait_for(lambda: reaction(tg, fine) == "👌", within=10)
    assert answers(tg, late) == []  # the topic is closed: the reaction alone tells staff
    assert texts_to(ozon, other_chat) == ["Ответ второму покупателю"]


async def test_a_command_in_a_topic_is_explained_not_sent(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        command = staff_says(tg, topic, "/status")
        note = staff_says(tg, topic, "// не отправлять: это заметка")
        reply = staff_says(tg, topic, "Ответ после команды")
        await wait_for(lambda: reaction(tg, reply) == "👌")
        await wait_for(lambda: bool(answers(tg, command)))
    assert "работают в теме General" in (answers(tg, command)[0].text or "")
    assert answers(tg, note) == []
    assert texts_to(ozon, chat) == ["Ответ после команды"]


async def test_a_topic_the_bridge_lost_track_of_says_nothing_was_sent(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        # Staff's own topic: talk among themselves, the bridge keeps out of it.
        own = tg.create_topic("Планёрка")
        chatter = staff_says(tg, own, "Кто сегодня на смене?")
        # A topic the bridge opened but never recorded (a crash between Telegram's answer and
        # the commit): staff writing there think they answer a buyer.
        lost = tg.create_topic("Заказ 777-1", by_bot=True)
        stray = staff_says(tg, lost, "Ваш заказ уже в пути")
        note = staff_says(tg, lost, "// заметка для коллег")
        await wait_for(lambda: bool(answers(tg, stray)))
        reply = staff_says(tg, topic, "Ваш заказ уже в пути!")
        await wait_for(lambda: reaction(tg, reply) == "👌")
    assert "ничего не отправлено" in (answers(tg, stray)[0].text or "")
    assert answers(tg, stray)[0].thread_id == lost
    assert answers(tg, chatter) == []
    assert answers(tg, note) == []
    assert reaction(tg, chatter) is None
    assert reaction(tg, stray) is None
    assert texts_to(ozon, chat) == ["Ваш заказ уже в пути!"]


async def test_an_anonymous_admins_reply_reaches_the_buyer(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """An administrator who remains anonymous writes as GroupAnonymousBot on behalf of the
    group: the reply is a staff reply like anyone's."""
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        reply = staff_says(tg, topic, "Ответ администратора группы", anonymous=True)
        await wait_for(lambda: reaction(tg, reply) == "👌")
    assert texts_to(ozon, chat) == ["Ответ администратора группы"]


async def test_the_reason_is_told_where_the_group_limits_reactions(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    tg.available_reactions = {"👍", "❤"}  # the group's settings allow no 👌 or 👎
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        ozon.set_reply_window(chat, open=False)
        refused = staff_says(tg, topic, "Ответ после окна")
        await wait_for(lambda: bool(answers(tg, refused)))
        ozon.set_reply_window(chat, open=True)
        fine = staff_says(tg, topic, "Ответ в окне")
        await wait_for(lambda: texts_to(ozon, chat) == ["Ответ в окне"])
    assert "окно для ответа закрыто" in (answers(tg, refused)[0].text or "")
    assert reaction(tg, refused) is None
    assert reaction(tg, fine) is None


def staff_edits(tg: FakeTelegram, message_id: int, text: str) -> None:
    raw = dict(tg.messages[message_id].raw, text=text, edit_date=1)
    tg.push_update({"edited_message": raw})


async def test_an_edit_is_answered_by_what_became_of_the_original(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        ozon.set_reply_window(chat, open=False)
        refused = staff_says(tg, topic, "Ответ, который Ozon не примет")
        await wait_for(lambda: bool(answers(tg, refused)))
        staff_edits(tg, refused, "Исправленный ответ")
        await wait_for(lambda: len(answers(tg, refused)) == 2)
        ozon.set_reply_window(chat, open=True)

        note = staff_says(tg, topic, "// черновик ответа")
        staff_edits(tg, note, "Черновик стал ответом")
        await wait_for(lambda: bool(answers(tg, note)))

        quiet = staff_says(tg, topic, "// заметка")
        staff_edits(tg, quiet, "// заметка, поправленная")
        delivered = staff_says(tg, topic, "Ответ, который дошёл")
        await wait_for(lambda: reaction(tg, delivered) == "👌")
        staff_edits(tg, delivered, "Ответ, который дошёл (исправлено)")
        await wait_for(lambda: bool(answers(tg, delivered)))

    assert "покупатель не получил" in (answers(tg, refused)[-1].text or "")
    assert "не уходило" in (answers(tg, note)[0].text or "")
    assert "видит прежний текст" in (answers(tg, delivered)[0].text or "")
    assert answers(tg, quiet) == []
    assert texts_to(ozon, chat) == ["Ответ, который дошёл"]


async def test_a_hidden_link_reaches_the_buyer_with_its_address(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    text = "Инструкция по возврату — здесь, пишите если что."
    entities = [{"type": "text_link", "offset": 25, "length": 5, "url": "https://shop.example/r"}]
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        reply = staff_says(tg, topic, text, entities=entities)
        await wait_for(lambda: reaction(tg, reply) == "👌")
    assert texts_to(ozon, chat) == [
        "Инструкция по возврату — здесь (https://shop.example/r), пишите если что."
    ]


async def test_a_forwarded_post_of_the_bridge_never_reaches_a_buyer(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Staff forward the bridge's post of buyer A (chat id, cabinet link, A's words) into buyer
    B's topic: nothing goes to B. A colleague's forwarded words do."""
    async with buyer_topic(ozon, tg, bridge) as (chat_a, topic_a):
        chat_b = ozon.add_chat()
        ozon.add_message(chat_b, "Вопрос покупателя Б", order_number="777-2")
        await wait_for(lambda: "Вопрос покупателя Б" in tg.shown())
        (topic_b,) = [t for t in tg.topics if t != topic_a]
        post_a = next(m for m in tg.thread_messages(topic_a) if "где мой заказ" in (m.text or ""))
        origin = {"type": "user", "date": post_a.date, "sender_user": tg.bot_user}
        forwarded = staff_says(tg, topic_b, post_a.text or "", forward_origin=origin)
        colleague = {
            "type": "user",
            "date": post_a.date,
            "sender_user": {"id": 222, "is_bot": False, "first_name": "Коллега"},
        }
        quoted = staff_says(tg, topic_b, "Заказ уже в пути", forward_origin=colleague)
        await wait_for(lambda: reaction(tg, quoted) == "👌")
        await wait_for(lambda: bool(answers(tg, forwarded)))
    assert "пересланное сообщение бриджа" in (answers(tg, forwarded)[0].text or "")
    assert texts_to(ozon, chat_b) == ["Заказ уже в пути"]
    assert texts_to(ozon, chat_a) == []


async def test_an_albums_caption_follows_all_its_pictures(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Telegram sends an album as one message per picture, the caption on the first."""
    second = PNG + b"second"
    async with buyer_topic(ozon, tg, bridge) as (chat, topic):
        first = staff_says(
            tg, topic, photo=PNG, caption="Фото упаковки и товара", media_group_id="a1"
        )
        other = staff_says(tg, topic, photo=second, media_group_id="a1")
        await wait_for(lambda: reaction(tg, first) == "👌" and reaction(tg, other) == "👌")
    order = [r.path for r in ozon.requests if r.path.startswith("/v1/chat/send/")]
    assert order == ["/v1/chat/send/file", "/v1/chat/send/file", "/v1/chat/send/message"]
    assert [data for _, _, data in ozon.sent_files] == [PNG, second]
    assert texts_to(ozon, chat) == ["Фото упаковки и товара"]
