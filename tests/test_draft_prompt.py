"""The prompt, as a function of one conversation: what the model is given (rules with the kind's
limit, the seller's instructions, the templates, the facts, the latest turns of both sides) and
what it never is (notes, secrets), each part bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.drafts.chats import CHAT, spoken
from bot.core.drafts.conversation import Conversation, Kind, Turn, Voice
from bot.core.drafts.prompt import Bounds, max_tokens, prompt

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2025, 12, 3, 11, 0, tzinfo=UTC)


def turn(voice: Voice, text: str, minutes_ago: int) -> Turn:
    return Turn(voice, text, NOW - timedelta(minutes=minutes_ago), str(1000 - minutes_ago))


def conversation(*turns: Turn, kind: Kind = CHAT, facts: tuple[str, ...] = ()) -> Conversation:
    return Conversation(kind, "chat-1", 7, turns, facts=facts)


def test_the_model_is_given_the_rules_the_voice_the_facts_and_the_turns() -> None:
    talk = conversation(
        turn(Voice.BUYER, "Где мой заказ?", 30),
        turn(Voice.SELLER, "Проверяем", 20),
        turn(Voice.OZON, "Курьер назначен", 15),
        turn(Voice.BUYER, "Так где же он?", 5),
        facts=("Заказ 123-1", "Отправление 123-1-1 (FBS): доставляется"),
    )
    system, user = prompt(
        talk,
        instructions="Подписывайся «Уют».",
        templates=["Спасибо за заказ {order_number}!"],
        now=NOW,
        tz=MSK,
    )
    assert (system.role, user.role) == ("system", "user")
    assert "не длиннее 1000 символов" in system.content
    assert "Напиши черновик ответа продавца покупателю в чате Ozon." in system.content
    assert "Указания продавца:\nПодписывайся «Уют»." in system.content
    assert "— Спасибо за заказ {order_number}!" in system.content
    assert "Сейчас 03.12.2025 14:00." in user.content
    assert "Данные о заказе:\nЗаказ 123-1\nОтправление 123-1-1 (FBS): доставляется" in user.content
    lines = user.content.split("Переписка, сначала старые сообщения:\n")[1].splitlines()
    assert lines[:4] == [
        "Покупатель (03.12.2025 13:30): Где мой заказ?",
        "Продавец (03.12.2025 13:40): Проверяем",
        "Ozon (03.12.2025 13:45): Курьер назначен",
        "Покупатель (03.12.2025 13:55): Так где же он?",
    ]
    assert user.content.endswith("Напиши черновик ответа на последнее сообщение покупателя.")


def test_notes_are_left_out_wherever_they_come_from() -> None:
    talk = conversation(
        turn(Voice.SELLER, "// внутреннее: не обещать скидку", 10),
        turn(Voice.BUYER, "Скидка будет?\n// приписка", 5),
        facts=("// служебное",),
    )
    system, user = prompt(
        talk,
        instructions="Отвечай кратко.\n// это для коллег",
        templates=["// черновой шаблон", "Здравствуйте!"],
        now=NOW,
        tz=MSK,
    )
    everything = system.content + user.content
    for note in ("не обещать скидку", "приписка", "служебное", "для коллег", "черновой шаблон"):
        assert note not in everything
    assert "Скидка будет?" in everything
    assert "Данных о заказе нет." in user.content


def test_every_part_passes_redact() -> None:
    secret = "sk-live-0123456789"
    talk = conversation(turn(Voice.BUYER, f"ключ {secret}", 5), facts=(f"факт {secret}",))
    messages = prompt(
        talk,
        instructions=f"Ключ: {secret}",
        templates=[f"шаблон {secret}"],
        now=NOW,
        tz=MSK,
        redact=lambda text: text.replace(secret, "***"),
    )
    assert all(secret not in m.content for m in messages)
    assert sum(m.content.count("***") for m in messages) == 4


def test_parts_are_bounded_and_the_oldest_turns_go_first() -> None:
    turns = [turn(Voice.BUYER, f"Сообщение {n:02d} " + "слово " * 50, 100 - n) for n in range(40)]
    bounds = Bounds(turns=30, transcript=1500, turn=200, templates=2, template=20, instructions=30)
    system, user = prompt(
        conversation(*turns),
        instructions="Инструкция " * 20,
        templates=["Шаблон номер один, длинный", "Второй", "Третий"],
        now=NOW,
        tz=MSK,
        bounds=bounds,
    )
    transcript = user.content.split("Переписка, сначала старые сообщения:\n")[1]
    assert transcript.startswith("(более ранние сообщения не показаны)")
    assert "Сообщение 39" in transcript
    assert "Сообщение 09" not in transcript  # beyond the 30 latest
    assert len(transcript) < 1500 + 300
    assert all(len(line) < 260 for line in transcript.splitlines())
    assert "Третий" not in system.content
    assert "— Шаблон номер один,…" in system.content  # cut within 20 characters
    assert len(system.content.split("Указания продавца:\n")[1].split("\n\n")[0]) == 30


def test_a_question_has_its_own_limit_and_the_answer_its_tokens() -> None:
    question = Kind("question", 3000, "Напиши ответ продавца на вопрос о товаре.")
    system, user = prompt(
        conversation(kind=question), instructions="", templates=[], now=NOW, tz=MSK
    )
    assert "не длиннее 3000 символов" in system.content
    assert "Указания продавца" not in system.content
    assert "Покупатель ещё ничего не написал" in user.content
    assert max_tokens(1000) < max_tokens(3000)


def test_pictures_and_files_are_words_without_their_addresses() -> None:
    body = "Вот фото ![](https://cdn.ozon.ru/a.jpg) и [чек.pdf](https://cdn.ozon.ru/b.pdf)"
    assert spoken(body) == "Вот фото [изображение] и [файл чек.pdf]"
    assert spoken("https://cdn.ozon.ru/c.jpg", is_image=True) == "[изображение]"
