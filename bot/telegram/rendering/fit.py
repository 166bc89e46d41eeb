"""Staff text echoed back into a Telegram message (a template sent, shown or listed, a broadcast's
samples, a name in a refusal) must leave the message within Telegram's 4,096 characters: an echo
is shortened to the room its message leaves it, and then says that it was. Telegram refuses a
longer message outright, and the work the message reports would look as if it had failed.

Lengths are Telegram's: UTF-16 code units of the visible text. An echo is plain text, shortened
before it is escaped (escaping changes no visible length); a cut falls at a word break near the
end where there is one, never inside a grapheme cluster.
"""

from __future__ import annotations

from html import escape

from bot.core.replies.split import grapheme_floor
from bot.telegram.rendering.measure import visible_length
from bot.telegram.texts.staff import ECHO_SHORTENED

__all__ = ["PREVIEW_ROOM", "TEXT_LIMIT", "WORD_ROOM", "fill_echo", "shortened", "units"]

TEXT_LIMIT = 4096
"""The longest text of a Telegram message (a caption is 1,024)."""
WORD_ROOM = 100
"""Room for what staff wrote as one word and is said back in a refusal: a name, a placeholder."""
PREVIEW_ROOM = 60
"""Room for a text's preview in a list (templates, broadcasts)."""
_WORD_BREAK_REACH = 0.9
"""A word break is cut at only when it keeps this share of the room, else the cut is hard."""


def units(text: str) -> int:
    """The length of plain `text` as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _prefix_within(text: str, room: int) -> int:
    """The longest prefix of `text` (in characters) that is at most `room` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return index
    return len(text)


def shortened(text: str, room: int) -> str:
    """`text` as it is when it fits in `room` UTF-16 units; else its beginning and the note that
    it was shortened, together within `room` (nothing at all when even the note does not fit)."""
    if units(text) <= room:
        return text
    keep = room - units(ECHO_SHORTENED)
    if keep < 1:
        return ECHO_SHORTENED if keep == 0 else ""
    cut = grapheme_floor(text, _prefix_within(text, keep))
    space = max(text.rfind(" ", 0, cut + 1), text.rfind("\n", 0, cut + 1))
    if space >= cut * _WORD_BREAK_REACH:
        cut = space
    return text[:cut].rstrip() + ECHO_SHORTENED


def fill_echo(
    template: str, field: str, text: str, *, limit: int = TEXT_LIMIT, **values: object
) -> str:
    """HTML `template` filled with `values` (HTML already) and with plain `text`, escaped, as
    `field`; the text shortened so that the whole message is at most `limit` as Telegram counts
    it."""
    frame = visible_length(template.format(**{field: ""}, **values))
    return template.format(**{field: escape(shortened(text, limit - frame))}, **values)
