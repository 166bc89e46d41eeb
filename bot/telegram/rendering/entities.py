"""Plain text from a staff message's formatted text. Ozon's chat takes plain text: a hidden link
(`text_link`: a word whose address only shows on hover) would reach the buyer without its address,
so the address is written out after the word. Whatever staff write for a buyer goes through here:
a reply, a template (`/template name text`), a broadcast (`/broadcast text`)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import MessageEntity


def with_hidden_links(text: str, entities: Sequence[MessageEntity] | None) -> str:
    """`text` with the address of every hidden link written out after its words: «наш сайт»
    becomes «наш сайт (https://...)». Offsets count UTF-16 code units, as Telegram's do."""
    links = sorted(
        (e for e in entities or () if e.type == "text_link" and e.url),
        key=lambda e: e.offset + e.length,
    )
    if not links:
        return text
    units = text.encode("utf-16-le")
    out: list[str] = []
    done = 0
    for link in links:
        end = (link.offset + link.length) * 2
        if end < done or end > len(units):
            continue  # overlapping or out of range: Telegram never sends these, skip safely
        words = units[link.offset * 2 : end].decode("utf-16-le", "replace")
        out.append(units[done:end].decode("utf-16-le", "replace"))
        assert link.url is not None
        if link.url not in words:
            out.append(f" ({link.url})")
        done = end
    out.append(units[done:].decode("utf-16-le", "replace"))
    return "".join(out)


def command_args(text: str | None, entities: Sequence[MessageEntity] | None) -> str:
    """What follows a command's first word (as aiogram's `CommandObject.args`), with the address
    of every hidden link written out."""
    words = with_hidden_links(text or "", entities).split(maxsplit=1)
    return words[1] if len(words) > 1 else ""
