"""The topic icons that show a chat's help-desk state.

A bot may give a topic only the icons `getForumTopicIconStickers` lists. By default each state
takes the first of a few emoji that read at a glance (waiting ❗, answered ✅, closed 🏁); the
settings TOPIC_ICON_WAITING, TOPIC_ICON_ANSWERED and TOPIC_ICON_CLOSED may choose another, by its
custom emoji id or by the emoji itself. A choice that is not in Telegram's list stops the start
with a line naming the setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.states import DeskState

PREFERRED: Mapping[DeskState, tuple[str, ...]] = {
    DeskState.WAITING: ("❗", "‼", "🔥", "❓"),
    DeskState.ANSWERED: ("✅", "💬", "👍"),
    DeskState.CLOSED: ("🏁", "📁", "💤"),
}
SETTING: Mapping[DeskState, str] = {
    DeskState.WAITING: "topic_icon_waiting",
    DeskState.ANSWERED: "topic_icon_answered",
    DeskState.CLOSED: "topic_icon_closed",
}


class IconChoiceError(ValueError):
    """A setting names an icon Telegram does not offer."""

    def __init__(self, setting: str, value: str, offered: int) -> None:
        super().__init__(
            f"{setting.upper()}={value!r} is not among the {offered} topic icons Telegram offers "
            "(getForumTopicIconStickers): set one of their custom emoji ids or emoji, or leave it "
            "empty for the default"
        )
        self.setting = setting


@dataclass(frozen=True, slots=True)
class Sticker:
    """One icon Telegram offers: its custom emoji id and the emoji it looks like."""

    custom_emoji_id: str
    emoji: str


def _plain(emoji: str) -> str:
    """An emoji without its presentation selector (❗️ and ❗ are the same icon)."""
    return emoji.replace("\ufe0f", "").strip()


def choose_icons(offered: Sequence[Sticker], chosen: Mapping[str, str]) -> dict[DeskState, str]:
    """The custom emoji id for each state, from what Telegram offers and what the settings chose
    (by setting name). Raises `IconChoiceError` for a choice Telegram does not offer."""
    by_id = {sticker.custom_emoji_id: sticker for sticker in offered}
    by_emoji: dict[str, Sticker] = {}
    for sticker in offered:
        by_emoji.setdefault(_plain(sticker.emoji), sticker)
    icons: dict[DeskState, str] = {}
    for state, setting in SETTING.items():
        value = chosen.get(setting, "").strip()
        if value:
            found = by_id.get(value) or by_emoji.get(_plain(value))
            if found is None:
                raise IconChoiceError(setting, value, len(offered))
            icons[state] = found.custom_emoji_id
            continue
        for emoji in PREFERRED[state]:
            if emoji in by_emoji:
                icons[state] = by_emoji[emoji].custom_emoji_id
                break
    # Telegram changed its list and none of the preferred emoji is left: any distinct icons.
    spare = [s.custom_emoji_id for s in offered if s.custom_emoji_id not in icons.values()]
    for state in SETTING:
        if state not in icons and spare:
            icons[state] = spare.pop(0)
    return icons
