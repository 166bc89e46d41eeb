"""Cutting long text: staff replies into Ozon's 1000-character parts, buyer text into Telegram
messages. Cuts fall at natural boundaries and never inside a grapheme cluster."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.replies.split import grapheme_floor, split_text
from bot.telegram.rendering.links import escape
from bot.telegram.rendering.measure import split_html, visible_length

FAMILY = "👨\u200d👩\u200d👧\u200d👦"
FLAG = "🇷🇺"
THUMB = "👍🏽"
ACCENT = "е\u0301"  # a Cyrillic е with a combining acute accent
KEYCAP = "1\ufe0f\u20e3"


def clusters(text: str) -> list[str]:
    return [match.group() for match in regex.finditer(r"\X", text)]


def boundaries(text: str) -> set[int]:
    ends = {0}
    position = 0
    for cluster in clusters(text):
        position += len(cluster)
        ends.add(position)
    return ends


def test_a_long_word_is_cut_before_a_joined_emoji_not_inside_it() -> None:
    text = "а" * 998 + FAMILY + "б" * 10
    parts = split_text(text, 1000)
    assert parts == ["а" * 998, FAMILY + "б" * 10]


def test_flags_and_accents_stay_whole() -> None:
    text = (FLAG * 7) + (ACCENT * 5)
    for limit in range(2, 12):
        parts = split_text(text, limit)
        assert "".join(parts) == text
        assert all(set(clusters(part)) <= {FLAG, ACCENT} for part in parts)


def test_a_cluster_longer_than_the_limit_is_cut_through() -> None:
    parts = split_text(FAMILY, 3)
    assert "".join(parts) == FAMILY
    assert all(1 <= len(part) <= 3 for part in parts)


def test_grapheme_floor() -> None:
    text = "ab" + FAMILY + "c"
    assert grapheme_floor(text, 4) == 2
    assert grapheme_floor(text, 2 + len(FAMILY)) == 2 + len(FAMILY)
    assert grapheme_floor(text, 100) == len(text)
    assert grapheme_floor(FAMILY, 3) == 0
    assert grapheme_floor(text, 5, start=2) == 2


TEXT = st.lists(
    st.sampled_from(
        ["а", "b", " ", "\n", "\n\n", ". ", "!", FAMILY, FLAG, THUMB, ACCENT, KEYCAP, "😀", "\t"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=400)
@given(TEXT, st.integers(min_value=1, max_value=40))
def test_parts_are_in_order_within_the_limit_and_cut_between_clusters(
    text: str, limit: int
) -> None:
    parts = split_text(text, limit)
    cuts = boundaries(text)
    # Positions inside a cluster longer than the limit: the only places a cut may go through.
    inside_long: set[int] = set()
    position = 0
    for cluster in clusters(text):
        if len(cluster) > limit:
            inside_long.update(range(position, position + len(cluster) + 1))
        position += len(cluster)
    position = 0
    for part in parts:
        found = text.index(part, position)
        assert text[position:found].strip() == ""  # only whitespace is ever left out
        assert 1 <= len(part) <= limit
        assert {found, found + len(part)} <= cuts | inside_long
        position = found + len(part)
    assert text[position:].strip() == ""


@settings(max_examples=300)
@given(TEXT, st.integers(min_value=12, max_value=60))
def test_telegram_chunks_keep_clusters_whole(text: str, limit: int) -> None:
    markup = escape(text)
    chunks = split_html(markup, limit)
    assert all(visible_length(chunk) <= limit for chunk in chunks)
    original = [c for c in clusters(text) if not c.isspace()]
    shown = [c for chunk in chunks for c in clusters(_unescape(chunk)) if not c.isspace()]
    assert shown == original


def _unescape(markup: str) -> str:
    return markup.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
