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
    links = _hidden_links(entities)
    if not links:
        return text
    units = text.encode("utf-16-le")

    def piece(start: int, end: int | None = None) -> str:
        """The text from unit `start` to unit `end`."""
        return units[start * 2 : None if end is None else end * 2].decode("utf-16-le", "replace")

    out: list[str] = []
    done = 0
    for start, end, url in links:
        if done <= end <= len(units) // 2:  # Telegram sends no overlapping or outlying links
            out.append(piece(done, end))
            if url not in piece(start, end):
                out.append(f" ({url})")
            done = end
    out.append(piece(done))
    return "".join(out)


def _hidden_links(entities: Sequence[MessageEntity] | None) -> list[tuple[int, int, str]]:
    """(start, end, address) of each hidden link, in the order of their ends."""
    links = [
        (entity.offset, entity.offset + entity.length, entity.url)
        for entity in entities or ()
        if entity.type == "text_link" and entity.url
    ]
    return sorted(links, key=lambda link: link[1])


def command_args(text: str | None, entities: Sequence[MessageEntity] | None) -> str:
    """What follows a command's first word (as aiogram's `CommandObject.args`), with the address
    of every hidden link written out."""
    words = with_hidden_links(text or "", entities).split(maxsplit=1)
    return words[1] if len(words) > 1 else ""
