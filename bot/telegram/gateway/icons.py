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


class _Offer:
    """Telegram's list, looked up by custom emoji id or by emoji (the first sticker of an emoji)."""

    def __init__(self, offered: Sequence[Sticker]) -> None:
        self.stickers = offered
        self._by_id = {sticker.custom_emoji_id: sticker for sticker in offered}
        self._by_emoji: dict[str, Sticker] = {}
        for sticker in offered:
            self._by_emoji.setdefault(_plain(sticker.emoji), sticker)

    def chosen(self, setting: str, value: str) -> str:
        """The icon a setting names by id or emoji; `IconChoiceError` if Telegram has none."""
        found = self._by_id.get(value) or self._by_emoji.get(_plain(value))
        if found is None:
            raise IconChoiceError(setting, value, len(self.stickers))
        return found.custom_emoji_id

    def first_of(self, emojis: Sequence[str]) -> str | None:
        """The icon of the first of `emojis` Telegram offers."""
        for emoji in emojis:
            if emoji in self._by_emoji:
                return self._by_emoji[emoji].custom_emoji_id
        return None


def choose_icons(offered: Sequence[Sticker], chosen: Mapping[str, str]) -> dict[DeskState, str]:
    """The custom emoji id for each state, from what Telegram offers and what the settings chose
    (by setting name). Raises `IconChoiceError` for a choice Telegram does not offer."""
    offer = _Offer(offered)
    icons: dict[DeskState, str] = {}
    for state, setting in SETTING.items():
        value = chosen.get(setting, "").strip()
        icon = offer.chosen(setting, value) if value else offer.first_of(PREFERRED[state])
        if icon is not None:
            icons[state] = icon
    _give_spares(icons, offered)
    return icons


def _give_spares(icons: dict[DeskState, str], offered: Sequence[Sticker]) -> None:
    """Telegram changed its list and none of a state's preferred emoji is left: the state takes
    an icon no other state shows, while there is one."""
    spare = [s.custom_emoji_id for s in offered if s.custom_emoji_id not in icons.values()]
    for state in SETTING:
        if state not in icons and spare:
            icons[state] = spare.pop(0)
