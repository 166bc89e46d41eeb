"""Quick-reply templates end to end: admins add, replace, show, list and delete them; any member
sends one from a buyer's topic with `/t name` or `/t` and a button; a fact the chat lacks stops
the send; and a template is sent once even when Telegram hands the bridge its command twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.db import Database
from storage.templates import TemplateRepository
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.test_help_desk import ANSWERED_ICON
from tests.waiting import wait_for

Bridge = Callable[..., Any]


def general(tg: FakeTelegram) -> list[str]:
    return [m.text or "" for m in tg.thread_messages(None)]


async def admin_says(tg: FakeTelegram, text: str, expect: str) -> str:
    """An admin's command in General; the bot's answer containing `expect`."""
    seen = len(general(tg))
    tg.user_message(text, thread_id=None, from_id=tg.owner_id)

    def answered() -> bool:
        return any(expect in line for line in general(tg)[seen:])

    await wait_for(answered, within=15, what=f"answer to {text!r}")
    return next(line for line in general(tg)[seen:] if expect in line)


async def test_admins_keep_templates(ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge) -> None:
    async with bridge():
        await admin_says(tg, "/templates", "Шаблонов пока нет")
        await admin_says(tg, "/template спасибо Спасибо за заказ {order_number}!", "сохранён")
        await admin_says(tg, "/template Спасибо Спасибо, заказ {order_number} в пути", "заменён")
        await admin_says(
            tg, "/template доставка Доставка {posting_number}\nСрок — 3 дня", "сохранён"
        )
        shown = await admin_says(tg, "/template доставка", "Шаблон «доставка»")
        assert "Доставка {posting_number}\nСрок — 3 дня" in shown
        listing = await admin_says(tg, "/templates", "Шаблоны")
        assert "доставка" in listing
        assert "спасибо" in listing
        refused = await admin_says(tg, "/template x Привет {name}", "Неизвестная подстановка")
        assert "{order_number}, {sku}, {product}, {posting_number}" in refused
        await admin_says(tg, "/template два слова", "сохранён")  # the name is the first word
        await admin_says(tg, "/template слишком-длинное-имя-шаблона т", "одно слово до 20 знаков")
        await admin_says(tg, "/template_delete два", "удалён")
        await admin_says(tg, "/template_delete два", "Шаблона «два» нет")
        # A member who is not an admin may not change them.
        tg.user_message("/template_delete спасибо", thread_id=None, from_id=333)
        await wait_for(lambda: "только для администраторов" in tg.shown(), within=15)
        await admin_says(tg, "/template спасибо", "Шаблон «спасибо»")


async def test_a_member_sends_a_template_by_name_and_by_button(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Пришёл заказ, спасибо!", order_number="8080-1")
    async with bridge():
        await wait_for(lambda: "Пришёл заказ" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await admin_says(
            tg, "/template спасибо Спасибо, что выбрали нас! Заказ {order_number}", "сохранён"
        )
        await admin_says(tg, "/template товар Ваш товар: {product}", "сохранён")

        tg.user_message("/t спасибо", thread_id=topic, from_id=222, first_name="Борис")
        command = max(tg.messages)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="template sent")
        assert ozon.sent_texts[0] == (chat, "Спасибо, что выбрали нас! Заказ 8080-1")
        await wait_for(lambda: "📋 Шаблон «спасибо» — отправил(а) Борис" in tg.shown(), within=15)
        await wait_for(lambda: (tg.forum_chat_id, command) in tg.reactions, within=15, what="👌")
        await wait_for(lambda: tg.topics[topic].icon_custom_emoji_id == ANSWERED_ICON, within=15)

        # A fact the chat lacks (no order card: no product): nothing is sent.
        tg.user_message("/t товар", thread_id=topic)
        await wait_for(lambda: "неизвестно название товара" in tg.shown(), within=15)

        # `/t` alone: a button per template; a press sends for whoever pressed.
        ozon.add_message(chat, "И ещё вопрос")
        await wait_for(lambda: "И ещё вопрос" in tg.shown(), within=15)
        tg.user_message("/t", thread_id=topic)
        await wait_for(lambda: "Какой шаблон отправить" in tg.shown(), within=15)
        (keyboard,) = [m for m in tg.sent if m.text == "Какой шаблон отправить покупателю?"]
        assert keyboard.reply_markup is not None
        buttons = keyboard.reply_markup["inline_keyboard"]
        (press,) = [b["callback_data"] for row in buttons for b in row if b["text"] == "спасибо"]
        tg.callback(press, from_id=444, message_id=keyboard.message_id, thread_id=topic)
        tg.callback(press, from_id=444, message_id=keyboard.message_id, thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 2, within=15, what="button send")
        await wait_for(
            lambda: "📋 Шаблон «спасибо» — отправил(а)" in (keyboard.text or ""),
            within=15,
            what="the keyboard replaced by what was sent",
        )
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert len(ozon.sent_texts) == 2  # two presses on one keyboard: one send
    assert ozon.spec_violations == []
    assert tg.spec_violations == []


async def test_a_template_is_sent_once_when_its_command_comes_again(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте", order_number="8080-2")
    async with bridge():
        await wait_for(lambda: "Здравствуйте" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await admin_says(
            tg, "/template привет Добрый день! Заказ {order_number} собираем.", "сохранён"
        )
        tg.user_message("/t привет", thread_id=topic)
        command = tg.messages[max(tg.messages)]
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15)
    # After a restart Telegram hands over the same message again (its update unconfirmed).
    tg.push_update({"message": command.raw})
    async with bridge():
        fetched = len(tg.calls("getUpdates"))
        await wait_for(lambda: len(tg.calls("getUpdates")) >= fetched + 2, within=15)
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert [text for _, text in ozon.sent_texts] == ["Добрый день! Заказ 8080-2 собираем."]


def paragraph(word: str, chars: int = 900) -> str:
    """A paragraph of about `chars` characters."""
    return " ".join([word] * (chars // (len(word) + 1))) + "."


async def test_two_buttons_of_one_keyboard_send_one_template(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """The keyboard is one staff message: whichever template is pressed first is all the buyer
    gets; a press of another one queues nothing, and its presser is told who used it."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте", order_number="8080-3")
    three_parts = "\n\n".join(paragraph(word) for word in ("один", "два", "три"))
    async with bridge():
        await wait_for(lambda: "Здравствуйте" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await admin_says(tg, "/template коротко Спасибо за заказ!", "сохранён")
        await admin_says(tg, f"/template длинно {three_parts}", "сохранён")
        tg.user_message("/t", thread_id=topic)
        await wait_for(lambda: "Какой шаблон отправить" in tg.shown(), within=15)
        (keyboard,) = [m for m in tg.sent if (m.text or "").startswith("Какой шаблон")]
        assert keyboard.reply_markup is not None
        rows = keyboard.reply_markup["inline_keyboard"]
        data = {button["text"]: button["callback_data"] for row in rows for button in row}
        tg.users[444] = {"id": 444, "is_bot": False, "first_name": "Анна"}
        tg.users[555] = {"id": 555, "is_bot": False, "first_name": "Борис"}

        first = str(tg.callback(data["коротко"], from_id=444, message_id=keyboard.message_id))
        await wait_for(lambda: first in tg.callback_answers, within=15, what="first press")
        second = str(tg.callback(data["длинно"], from_id=555, message_id=keyboard.message_id))
        await wait_for(lambda: second in tg.callback_answers, within=15, what="second press")
        told = tg.callback_answers[second]
        assert told.get("show_alert") is True
        assert "уже" in told["text"]
        assert "Анна" in told["text"]
        assert "Борис" not in told["text"]
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the first template")
        await wait_for(lambda: "Анна" in (keyboard.text or ""), within=15, what="keyboard edit")
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert ozon.sent_texts == [(chat, "Спасибо за заказ!")]
    assert "коротко" in (keyboard.text or "")
    assert "Борис" not in (keyboard.text or "")


async def test_a_long_template_is_confirmed_within_telegrams_limit(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """A template of nearly 4,096 characters: sent once, and every message that echoes it (the
    confirmation, the keyboard's edit, `/template name`) is shortened to fit, and says so; nobody
    is told it failed and invited to send it again."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Расскажите подробно", order_number="8080-4")
    body = "\n\n".join(paragraph(word, 815) for word in ("раз", "два", "три", "четыре", "пять"))
    assert 4060 < len(body) <= 4096 - len("/template длинный ")  # the command fits, no more
    async with bridge():
        await wait_for(lambda: "Расскажите подробно" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await admin_says(tg, f"/template длинный {body}", "сохранён")
        shown = await admin_says(tg, "/template длинный", "Шаблон «длинный»")
        assert len(shown) <= 4096

        tg.user_message("/t длинный", thread_id=topic, first_name="Борис")
        await wait_for(lambda: len(ozon.sent_texts) == 5, within=20, what="five parts")
        await wait_for(lambda: "📋 Шаблон «длинный»" in tg.shown(), within=15)
        (confirmation,) = [m for m in tg.sent if (m.text or "").startswith("📋")]
        assert len(confirmation.text or "") <= 4096
        assert (confirmation.text or "").endswith("… (сокращено)")

        tg.user_message("/t", thread_id=topic)
        await wait_for(lambda: "Какой шаблон отправить" in tg.shown(), within=15)
        (keyboard,) = [m for m in tg.sent if (m.text or "").startswith("Какой шаблон")]
        assert keyboard.reply_markup is not None
        ((button,),) = keyboard.reply_markup["inline_keyboard"]
        tg.callback(button["callback_data"], from_id=444, message_id=keyboard.message_id)
        await wait_for(lambda: len(ozon.sent_texts) == 10, within=20, what="sent by button")
        await wait_for(lambda: "📋 Шаблон «длинный»" in (keyboard.text or ""), within=15)
        assert len(keyboard.text or "") <= 4096
        assert (keyboard.text or "").endswith("… (сокращено)")
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert "".join(text for _, text in ozon.sent_texts[:5]) == body
    assert "внутренней ошибки" not in tg.shown()


async def test_a_failure_after_the_template_went_out_does_not_invite_sending_it_again(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """The template is queued, then Telegram refuses the confirmation: the generic error answer
    may not say «try again» (that sends it twice); it says what to look at first."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Добрый вечер", order_number="8080-5")
    async with bridge():
        await wait_for(lambda: "Добрый вечер" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await admin_says(tg, "/template вечер Добрый вечер! Заказ {order_number} в пути.", "сохр")
        tg.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
        tg.user_message("/t вечер", thread_id=topic)
        await wait_for(lambda: "внутренней ошибки" in tg.shown(), within=15, what="the answer")
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the template sent")
        # A button: the template goes out, then answering the press fails; the alert that
        # follows fits a button's answer (200 characters) and says the same.
        tg.user_message("/t", thread_id=topic)
        await wait_for(lambda: "Какой шаблон отправить" in tg.shown(), within=15)
        (keyboard,) = [m for m in tg.sent if (m.text or "").startswith("Какой шаблон")]
        assert keyboard.reply_markup is not None
        ((button,),) = keyboard.reply_markup["inline_keyboard"]
        tg.fail_next("answerCallbackQuery", 400, description="Bad Request: QUERY_ID_INVALID")
        press = str(
            tg.callback(button["callback_data"], from_id=444, message_id=keyboard.message_id)
        )
        await wait_for(lambda: press in tg.callback_answers, within=15, what="the alert")
        await wait_for(lambda: len(ozon.sent_texts) == 2, within=15, what="sent by button")
    (answer,) = [m.text or "" for m in tg.thread_messages(topic) if "ошибки" in (m.text or "")]
    assert "ещё раз" not in answer
    assert "проверьте" in answer.casefold()
    alert = tg.callback_answers[press]
    assert alert["show_alert"] is True
    assert "ещё раз" not in alert["text"]
    assert "проверьте" in alert["text"].casefold()
    assert ozon.sent_texts == [(chat, "Добрый вечер! Заказ 8080-5 в пути.")] * 2


def link(text: str, words: str, url: str) -> list[dict[str, Any]]:
    """A hidden link on `words` of `text` (UTF-16 offsets, as Telegram gives them)."""
    at = text.index(words)
    units = len(text[:at].encode("utf-16-le")) // 2
    length = len(words.encode("utf-16-le")) // 2
    return [{"type": "text_link", "offset": units, "length": length, "url": url}]


async def test_a_template_keeps_a_hidden_links_address(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """A word that links somewhere keeps its address in a template, as in a reply written by
    hand: the buyer gets the address written out after the word."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где почитать про возврат?", order_number="8080-7")
    url = "https://shop.example/help/returns"
    command = "/template возврат Всё о возврате — на нашем сайте, ждём вас."
    long_command = "/template ссылки " + paragraph("текст", 4000) + " Подробнее — здесь."
    async with bridge():
        await wait_for(lambda: "Где почитать" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        seen = len(general(tg))
        tg.user_message(
            command, thread_id=None, from_id=tg.owner_id, entities=link(command, "сайте", url)
        )
        await wait_for(lambda: any("сохранён" in t for t in general(tg)[seen:]), within=15)
        shown = await admin_says(tg, "/template возврат", "Шаблон «возврат»")
        assert f"на нашем сайте ({url}), ждём вас." in shown

        # Written out, the addresses may make a template longer than a message: shown shortened.
        seen = len(general(tg))
        long_url = "https://shop.example/" + "a" * 200
        entities = link(long_command, "здесь", long_url)
        tg.user_message(long_command, thread_id=None, from_id=tg.owner_id, entities=entities)
        await wait_for(lambda: any("сохранён" in t for t in general(tg)[seen:]), within=15)
        shown = await admin_says(tg, "/template ссылки", "Шаблон «ссылки»")
        assert len(shown) <= 4096
        assert shown.endswith("… (сокращено)")

        tg.user_message("/t возврат", thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the template sent")
    assert ozon.sent_texts == [(chat, f"Всё о возврате — на нашем сайте ({url}), ждём вас.")]


async def test_many_templates_are_listed_in_messages_that_fit_and_t_says_what_has_no_button(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge, tmp_path: Path
) -> None:
    """A hundred templates: `/templates` lists every one over several messages (one would be too
    long for Telegram); `/t` shows as many buttons as fit and says how many more there are and
    how to send one by name."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте, вопрос", order_number="8080-8")
    names = [f"шаблон-номер-{n:03}" for n in range(100)]
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        for name in names:
            await TemplateRepository(db).put(name, f"{name}: " + "текст ответа " * 10, None)
    finally:
        await db.close()
    async with bridge():
        await wait_for(lambda: "Здравствуйте, вопрос" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        seen = len(general(tg))
        tg.user_message("/templates", thread_id=None, from_id=tg.owner_id)
        await wait_for(
            lambda: all(any(n in t for t in general(tg)[seen:]) for n in names),
            within=20,
            what="every template listed",
        )
        listing = general(tg)[seen:]
        assert len(listing) >= 2
        assert all(len(text) <= 4096 for text in listing)

        tg.user_message("/t", thread_id=topic)
        await wait_for(lambda: "Какой шаблон отправить" in tg.shown(), within=15)
        (keyboard,) = [m for m in tg.sent if (m.text or "").startswith("Какой шаблон")]
        assert keyboard.reply_markup is not None
        shown = [b["text"] for row in keyboard.reply_markup["inline_keyboard"] for b in row]
        assert shown == names[: len(shown)]
        more = len(names) - len(shown)
        assert more > 0
        assert f"Ещё {more}" in (keyboard.text or "")
        assert "/t имя" in (keyboard.text or "")
        assert names[-1] in (keyboard.text or "")  # those without a button are named
    assert "внутренней ошибки" not in tg.shown()
