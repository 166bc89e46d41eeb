"""What a draft is checked for before staff see it: contacts, links and offers to talk elsewhere
(Ozon's moderation refuses them), its length against Ozon's limit, and the shape it is shown in
(a reasoning model's `<think>` left out, quotes around it all taken off, a run-on answer cut)."""

from __future__ import annotations

import pytest

from bot.core.drafts.checks import DISPLAY_LIMIT, Flag, findings, shaped, tidy


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("Позвоните нам: +7 (999) 123-45-67", {Flag.PHONE}),
        ("Звоните 8-800-555-35-35, ответим", {Flag.PHONE}),
        ("Наш номер 89991234567", {Flag.PHONE}),
        ("Пишите на shop@example.com", {Flag.EMAIL}),
        ("Подробности на https://example.com/return", {Flag.LINK}),
        ("Смотрите www.example.ru", {Flag.LINK}),
        ("Каталог: uyut-shop.ru/catalog", {Flag.LINK}),
        ("Напишите нам в WhatsApp", {Flag.MESSENGER}),
        ("Лучше в телеграм, там быстрее", {Flag.MESSENGER}),
        ("Наш канал @uyut_shop", {Flag.MESSENGER}),
        ("Напишите в личку", {Flag.MESSENGER}),
        ("Здравствуйте! Заказ доставят 12.12.2025, т.д. и т.п.", set()),
        ("Цена 2 490 ₽, размер 42–44, рост 170–176 см.", set()),
    ],
)
def test_contacts_links_and_elsewhere_are_found(text: str, flags: set[Flag]) -> None:
    assert set(findings(text, limit=1000)) == flags


def test_the_conversations_own_numbers_are_not_phone_numbers() -> None:
    text = "Ваш заказ 0123456789-0001, отправление 0123456789-0001-1, SKU 1234567890."
    assert Flag.PHONE in findings(text, limit=1000)  # without knowing them: a 10-digit number
    known = ("0123456789-0001", "0123456789-0001-1", "1234567890")
    assert findings(text, limit=1000, known_numbers=known) == ()


def test_length_is_measured_against_the_kinds_limit() -> None:
    assert findings("а" * 1000, limit=1000) == ()
    assert findings("а" * 1001, limit=1000) == (Flag.TOO_LONG,)
    assert findings("а" * 1001, limit=3000) == ()


def test_tidy_leaves_out_reasoning_and_surrounding_quotes() -> None:
    assert tidy("<think>Покупатель спрашивает о сроках...</think>\n\nЗдравствуйте!") == (
        "Здравствуйте!"
    )
    assert tidy("<think>оборвалось на полуслове") == ""
    assert tidy("«Здравствуйте! Заказ в пути.»") == "Здравствуйте! Заказ в пути."
    assert tidy('"Здравствуйте!"') == "Здравствуйте!"
    assert tidy("«Да» или «нет»") == "«Да» или «нет»"  # not one quote around it all


def test_shaped_draft_is_cut_at_a_word_past_what_a_post_shows() -> None:
    assert shaped("  <think>x</think>  ", limit=1000) is None
    checked = shaped("Слово " * 1000, limit=1000)
    assert checked is not None
    assert len(checked.body) <= DISPLAY_LIMIT
    assert checked.body.endswith("Слово")
    assert checked.flags == (Flag.TOO_LONG, Flag.CUT)
    assert checked.written == len(("Слово " * 1000).strip())
    risky = shaped("Звоните +7 999 123-45-67", limit=1000)
    assert risky is not None
    assert risky.risks == (Flag.PHONE,)
