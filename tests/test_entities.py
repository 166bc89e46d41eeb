"""Hidden links in staff text are written out, counted in UTF-16 as Telegram counts."""

from __future__ import annotations

from aiogram.types import MessageEntity

from bot.telegram.rendering.entities import command_args, with_hidden_links


def link(offset: int, length: int, url: str) -> MessageEntity:
    return MessageEntity(type="text_link", offset=offset, length=length, url=url)


def test_hidden_links_get_their_address_after_their_words() -> None:
    text = "👍 Смотрите наш сайт и инструкцию."
    # «👍» is two UTF-16 units: «наш сайт» starts at unit 12.
    entities = [
        link(12, 8, "https://shop.example/"),
        link(23, 10, "https://shop.example/faq"),
        MessageEntity(type="bold", offset=0, length=2),
    ]
    assert with_hidden_links(text, entities) == (
        "👍 Смотрите наш сайт (https://shop.example/) и инструкцию (https://shop.example/faq)."
    )


def test_a_link_that_shows_its_address_is_left_as_it_is() -> None:
    text = "Адрес: https://shop.example/faq"
    entities = [link(7, 24, "https://shop.example/faq")]
    assert with_hidden_links(text, entities) == text
    assert with_hidden_links(text, None) == text


def test_a_link_past_the_end_of_the_text_is_passed_over_and_the_text_kept_whole() -> None:
    text = "один два три"
    entities = [
        link(9, 10, "https://c.example/"),  # runs past the end of the text
        link(0, 8, "https://a.example/"),  # «один два»
    ]
    assert with_hidden_links(text, entities) == "один два (https://a.example/) три"
    assert with_hidden_links(text, [link(0, 4, "")]) == text  # no address: nothing to add


def test_a_commands_words_keep_their_hidden_links() -> None:
    text = "/template@shop_bot доставка Сроки —\nна сайте."
    entities = [
        MessageEntity(type="bot_command", offset=0, length=18),
        link(39, 5, "https://shop.example/d"),
    ]
    assert text[39:44] == "сайте"
    assert command_args(text, entities) == "доставка Сроки —\nна сайте (https://shop.example/d)."
    assert command_args("/templates", None) == ""
    assert command_args(None, None) == ""
