"""Placeholders in texts staff write once and the bridge fills per chat (broadcasts, quick-reply
templates): a bare name in braces, `{order_number}`, nothing more inside. A malformed one is
refused by what was written, an unknown one by its name with the list of known ones, and a
chat that cannot fill one is told which fact it lacks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from enum import StrEnum


class Malformed(StrEnum):
    UNPAIRED_BRACE = "unpaired_brace"
    BAD_PLACEHOLDER = "bad_placeholder"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"


class PlaceholderError(ValueError):
    def __init__(self, kind: Malformed, *, written: str = "", name: str = "", known: str = ""):
        super().__init__(f"{kind}: {written or name}")
        self.kind = kind
        self.written = written
        """For a bad placeholder: as written (a space, a format, an index inside the braces)."""
        self.name = name
        """For an unknown placeholder: its name."""
        self.known = known
        """For an unknown placeholder: the known ones, as `{a}, {b}`."""


def fields(text: str) -> list[str]:
    """The placeholders `text` uses, in order; raises `PlaceholderError` for a malformed one."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise PlaceholderError(Malformed.UNPAIRED_BRACE) from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            written = "{" + name + ("!" + conversion if conversion else "")
            written += (":" + spec if spec else "") + "}"
            raise PlaceholderError(Malformed.BAD_PLACEHOLDER, written=written)
        names.append(name)
    return names


def check(text: str, known: Sequence[str]) -> None:
    """Refuses a text with a malformed placeholder or one not in `known`."""
    unknown = [name for name in fields(text) if name not in known]
    if unknown:
        listed = ", ".join("{" + name + "}" for name in known)
        raise PlaceholderError(Malformed.UNKNOWN_PLACEHOLDER, name=unknown[0], known=listed)


def missing(text: str, values: Mapping[str, str | None]) -> list[str]:
    """The placeholders of `text` that `values` cannot fill (absent or empty)."""
    return [name for name in dict.fromkeys(fields(text)) if not values.get(name)]


def fill(text: str, values: Mapping[str, str | None]) -> str:
    """`text` with its placeholders filled; check `missing` first."""
    return text.format_map({name: value or "" for name, value in values.items()})
