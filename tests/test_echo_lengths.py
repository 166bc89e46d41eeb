"""Staff text echoed back into Telegram fits in one message: the shortening rule itself, and each
message that echoes staff text (templates shown and refused, broadcast previews, refusals and
lists), fed the longest text staff can write."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.broadcast.command import BroadcastRefused, Preview, Refusal
from bot.core.cards.templates import Sent, TemplateProblem, TemplateRefused
from bot.core.records import BroadcastRow, Staff
from bot.core.replies.notices import Notice, NoticeKind
from bot.core.states import BroadcastState
from bot.telegram.commands.templates import pick_text, refusal, sent_text
from bot.telegram.rendering.fit import TEXT_LIMIT, fill_echo, shortened, units
from bot.telegram.rendering.measure import visible_length
from bot.telegram.rendering.phrasing import notice_html, refusal_text
from bot.telegram.texts.broadcasts import BROADCAST_REFUSED
from bot.telegram.texts.staff import ECHO_SHORTENED
from bot.telegram.views.broadcast import render_list, render_preview

EMOJI = "👍🏽"  # one grapheme cluster of two code points, four UTF-16 units
FLAG = "🇷🇺"


def test_a_text_that_fits_is_left_as_it_is() -> None:
    assert shortened("Добрый день!", 12) == "Добрый день!"
    assert shortened(EMOJI, 4) == EMOJI


def test_a_long_text_keeps_its_beginning_and_says_it_was_shortened() -> None:
    text = "слово " * 100
    short = shortened(text, 100)
    assert short.endswith(ECHO_SHORTENED)
    assert units(short) <= 100
    kept = short.removesuffix(ECHO_SHORTENED)
    assert text.startswith(kept)
    assert kept.endswith("слово")  # cut at a word break, not inside a word


def test_lengths_are_telegrams_and_no_character_is_cut_in_half() -> None:
    text = FLAG * 50  # 200 UTF-16 units, 100 code points
    short = shortened(text, 51)
    assert units(short) <= 51
    kept = short.removesuffix(ECHO_SHORTENED)
    assert kept == FLAG * (len(kept) // len(FLAG))
    assert shortened(EMOJI * 10, 3) == ""  # not even the note fits


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_a_shortened_text_never_passes_its_room(text: str, room: int) -> None:
    short = shortened(text, room)
    assert units(short) <= room
    assert short == text or short.endswith(ECHO_SHORTENED) or short == ""


def test_an_echo_fills_its_template_within_the_limit() -> None:
    body = "<b>" + "я" * 5000
    filled = fill_echo("Шаблон «{name}»:\n<pre>{body}</pre>", "body", body, name="x")
    assert visible_length(filled) <= TEXT_LIMIT
    assert filled.startswith("Шаблон «x»:\n<pre>&lt;b&gt;яяя")
    assert filled.endswith(html.escape(ECHO_SHORTENED) + "</pre>")


def test_the_template_sent_names_its_sender_and_fits() -> None:
    sent = Sent("длинный", EMOJI * 1100, queued=True, by=Staff(1, "Борис"))
    text = sent_text(sent, "Борис")
    assert visible_length(text) <= TEXT_LIMIT
    assert "Борис" in text
    assert text.endswith(ECHO_SHORTENED)


@pytest.mark.parametrize(
    ("problem", "values"),
    [
        (TemplateProblem.BAD_NAME, {"name": "ы" * 4090}),
        (TemplateProblem.NOT_FOUND, {"name": "ы" * 4090}),
        (TemplateProblem.BAD_PLACEHOLDER, {"written": "{" + "a b" * 1360 + "}"}),
        (TemplateProblem.UNKNOWN_PLACEHOLDER, {"name": "a" * 4090, "known": "{sku}"}),
    ],
)
def test_a_template_refusal_echoes_what_was_written_within_the_limit(
    problem: TemplateProblem, values: dict[str, str]
) -> None:
    text = refusal(TemplateRefused(problem, **values))
    assert visible_length(text) <= TEXT_LIMIT
    assert ECHO_SHORTENED in text


@pytest.mark.parametrize(
    ("reason", "values"),
    [
        (Refusal.BAD_PLACEHOLDER, {"written": "{" + "a b" * 1360 + "}"}),
        (Refusal.UNKNOWN_PLACEHOLDER, {"name": "a" * 4090, "known": "{sku}"}),
    ],
)
def test_a_broadcast_refusal_echoes_what_was_written_within_the_limit(
    reason: Refusal, values: dict[str, str]
) -> None:
    said = BROADCAST_REFUSED.format(
        reason=html.escape(refusal_text(BroadcastRefused(reason, **values)))
    )
    assert visible_length(said) <= TEXT_LIMIT
    assert ECHO_SHORTENED in said


def test_a_broadcast_preview_of_long_texts_fits() -> None:
    """Three samples of 1,000 characters Ozon accepts, as Telegram counts them twice that."""
    samples = [f"{n}: " + EMOJI * 499 for n in range(3)]
    left_out = {"closed": 12, "window_closed": 3, "no_value": 1}
    preview = Preview(job_id=7, count=40, samples=samples, seconds=40.0, left_out=left_out)
    text = render_preview(preview)
    assert visible_length(text) <= TEXT_LIMIT
    for n in range(3):
        assert f"— {n}: {EMOJI}" in text
    assert text.count(ECHO_SHORTENED) == 3
    assert "Ничего не отправлено" in text  # the frame is whole


def test_short_samples_are_shown_whole() -> None:
    preview = Preview(job_id=7, count=2, samples=["Привет", "Пока"], seconds=2.0)
    text = render_preview(preview)
    assert "— Привет\n— Пока" in text
    assert ECHO_SHORTENED not in text


def test_the_list_of_broadcasts_shortens_each_text() -> None:
    job = BroadcastRow(
        id=3,
        admin_id=1,
        reply_chat_id=1,
        template="Скидки " * 200,
        filters={},
        state=BroadcastState.DONE,
        total=5,
        left_out={},
        preview_message_id=None,
        progress_message_id=None,
        created_at=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
        reported=True,
    )
    text = render_list([job] * 10, ZoneInfo("UTC"))
    assert visible_length(text) <= TEXT_LIMIT
    assert text.count(ECHO_SHORTENED) == 10


def test_a_refused_files_name_is_said_back_within_the_limit() -> None:
    name = "счёт_" * 1000 + ".exe"
    text = notice_html(Notice(NoticeKind.FILE_WRONG_TYPE, {"name": name}))
    assert visible_length(text) <= TEXT_LIMIT
    assert "счёт_счёт_" in text
    assert ECHO_SHORTENED in text


def test_t_names_the_templates_without_a_button_within_the_limit() -> None:
    assert pick_text(["а", "б"]) == "Какой шаблон отправить покупателю?"
    names = [f"шаблон-{n:04}" for n in range(1000)]
    text = pick_text(names)
    assert visible_length(text) <= TEXT_LIMIT
    assert "Ещё 960" in text
    assert "шаблон-0040, шаблон-0041" in text
    assert "шаблон-0039" not in text  # it has a button
    assert text.endswith(ECHO_SHORTENED)
