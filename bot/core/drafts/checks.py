"""What a draft is checked for before anyone sees it, and the shape it is shown in.

Ozon's moderation refuses a seller's message with a phone number, an e-mail address, a link, or
an offer to talk elsewhere (a messenger, a social network, an @handle); and a chat message is at
most 1,000 characters (an answer to a question 3,000). A draft is never refused for these: it is
shown with each finding flagged, and «Отправить» says why sending it is risky, since a person
decides. Numbers the conversation itself holds (the order's, the posting's, a tracking number,
the SKU) are not contacts: they are taken out before looking for phone numbers.

`shaped` turns the model's answer into the text shown and sent: reasoning a local model wraps in
`<think>` left out, quotes around the whole answer taken off, and anything past
`DISPLAY_LIMIT` cut at a word (one Telegram post holds the draft and its flags).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.replies.split import split_text

DISPLAY_LIMIT = 3500
"""The longest draft shown (Telegram shows 4,096 characters a post, flags and header included)."""


class Flag(StrEnum):
    """A finding of the checks (stored with the draft)."""

    PHONE = "phone"
    EMAIL = "email"
    MESSENGER = "messenger"
    """A messenger, a social network or an @handle: an offer to talk outside Ozon."""
    LINK = "link"
    TOO_LONG = "too_long"
    """Longer than Ozon takes in one message of this kind (sent in parts, or cut)."""
    CUT = "cut"
    """The model wrote more than a post shows: the draft is its first `DISPLAY_LIMIT`."""


RISKS = (Flag.PHONE, Flag.EMAIL, Flag.MESSENGER, Flag.LINK)
"""Findings Ozon's moderation refuses a message for."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_LINK = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|рф|su|com|net|org|info|biz|me|io|shop|store|online|site|pro"
    r"|app|link|ly|cc|to|gl)\b(?:/\S*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w-])(?:\+7|8|7)?[\s(-]{0,2}\d{3}[\s)-]{0,2}\d{3}[\s-]?\d{2}[\s-]?\d{2}(?![\w-])"
)
_HANDLE = re.compile(r"(?<![\w@.])@[a-z][\w]{3,}", re.IGNORECASE)
_MESSENGERS = re.compile(
    r"\b(?:whats\s?app|ват?с\s?ап|вотс\s?ап|вацап|telegram|телеграм\w*|телег[аеуи]|viber"
    r"|вайбер\w*|instagram|инстаграм\w*|инст[аеуы]|vk|вк|вконтакте|facebook|фейсбук\w*"
    r"|skype|скайп\w*|max\s+messenger|мессенджер\w*|личк[аеуи]|в\s+личные\s+сообщения)\b",
    re.IGNORECASE,
)
_THINKING = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_QUOTES = (("«", "»"), ('"', '"'), ("“", "”"), ("'", "'"))


@dataclass(frozen=True, slots=True)
class Checked:
    """A draft as shown: its text and what the checks found in it."""

    body: str
    flags: tuple[Flag, ...]
    limit: int
    """Ozon's limit for this kind of answer, in characters."""
    written: int
    """How long the model's answer was (longer than `body` when it was cut)."""

    @property
    def risks(self) -> tuple[Flag, ...]:
        return tuple(flag for flag in self.flags if flag in RISKS)


def findings(text: str, *, limit: int, known_numbers: Sequence[str] = ()) -> tuple[Flag, ...]:
    """What Ozon's moderation or its length limit would object to in `text`."""
    plain = text
    for number in sorted((n for n in known_numbers if n), key=len, reverse=True):
        plain = plain.replace(number, " ")
    without_mail = _EMAIL.sub(" ", plain)
    found = {
        Flag.PHONE: bool(_PHONE.search(_LINK.sub(" ", without_mail))),
        Flag.EMAIL: bool(_EMAIL.search(plain)),
        Flag.MESSENGER: bool(_HANDLE.search(without_mail) or _MESSENGERS.search(without_mail)),
        Flag.LINK: bool(_LINK.search(without_mail)),
        Flag.TOO_LONG: len(text) > limit,
    }
    return tuple(flag for flag, present in found.items() if present)


def tidy(answer: str) -> str:
    """The answer without a reasoning model's `<think>` block and without quotes around it all."""
    text = _THINKING.sub("", answer).strip()
    for opening, closing in _QUOTES:
        inner = text[len(opening) : -len(closing)]
        if (
            len(text) > 2
            and text.startswith(opening)
            and text.endswith(closing)
            and opening not in inner
            and closing not in inner
        ):
            return inner.strip()
    return text


def shaped(answer: str, *, limit: int, known_numbers: Sequence[str] = ()) -> Checked | None:
    """The draft to show for the model's answer, checked; None when no text is left."""
    text = tidy(answer)
    if not text:
        return None
    written = len(text)
    cut = written > DISPLAY_LIMIT
    if cut:
        text = split_text(text, DISPLAY_LIMIT)[0].rstrip()
    flags = findings(text, limit=limit, known_numbers=known_numbers)
    if cut:
        flags = (*flags, Flag.CUT) if Flag.TOO_LONG in flags else (*flags, Flag.TOO_LONG, Flag.CUT)
    return Checked(text, flags, limit, written)
