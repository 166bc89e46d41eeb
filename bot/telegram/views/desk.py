"""The help desk in Russian: the /queue listing, the reminders posted in General, and how long a
buyer has waited, written the way staff read it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.core.desk.queue import WaitingChat
from bot.core.desk.reminders import Reminder
from bot.core.ports import PostRenderer
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.links import escape
from bot.telegram.texts.desk import (
    DURATION_DAYS,
    DURATION_HOURS,
    DURATION_MINUTES,
    DURATION_NOW,
    QUEUE_CLOSED_HINT,
    QUEUE_EMPTY,
    QUEUE_LINE,
    QUEUE_LINE_CLOSED,
    QUEUE_MORE,
    QUEUE_TITLE,
    REMINDER_CLOSING_TITLE,
    REMINDER_LINE,
    REMINDER_TITLE,
    TOPIC_NOT_YET,
)

QUEUE_LIMIT = 30
"""Chats listed by /queue; the rest are counted."""


def duration(span: timedelta) -> str:
    """`2 дн 4 ч`, `3 ч 12 мин`, `45 мин`, rounded down."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return DURATION_DAYS.format(days=days, hours=hours)
    if hours:
        return DURATION_HOURS.format(hours=hours, minutes=minutes)
    if minutes:
        return DURATION_MINUTES.format(minutes=minutes)
    return DURATION_NOW


def threshold(seconds: int) -> str:
    """A reminder threshold as the settings wrote it: `1 ч`, `20 ч`, `90 мин`, `30 с`."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} ч"
    if seconds % 60 == 0:
        return f"{seconds // 60} мин"
    return f"{seconds} с"


class DeskView:
    def __init__(self, forum_chat_id: int, renderer: PostRenderer) -> None:
        self._forum_chat_id = forum_chat_id
        self._renderer = renderer
        text = str(forum_chat_id)
        # Links to a supergroup's messages use its id without the -100 in front.
        self._link_id = text[4:] if text.startswith("-100") else text.lstrip("-")

    def topic(self, chat: WaitingChat) -> str:
        """The topic's name, as a link to the topic."""
        name = escape(chat.topic_name or self._renderer.topic_name(chat.chat))
        if chat.topic_id is None:
            return TOPIC_NOT_YET.format(name=name)
        url = f"https://t.me/c/{self._link_id}/{chat.topic_id}"
        return f'<a href="{url}">{name}</a>'

    def queue(self, chats: Sequence[WaitingChat]) -> str:
        if not chats:
            return QUEUE_EMPTY
        lines = [QUEUE_TITLE.format(count=len(chats))]
        for number, chat in enumerate(chats[:QUEUE_LIMIT], start=1):
            template = QUEUE_LINE if chat.window_open else QUEUE_LINE_CLOSED
            lines.append(
                template.format(
                    number=number,
                    topic=self.topic(chat),
                    waited=duration(chat.waited),
                    left=duration(chat.left),
                )
            )
        if len(chats) > QUEUE_LIMIT:
            lines.append(QUEUE_MORE.format(count=len(chats) - QUEUE_LIMIT))
        if any(not chat.window_open for chat in chats):
            lines += ["", QUEUE_CLOSED_HINT]
        return "\n".join(lines)

    def reminder(self, reminders: Sequence[Reminder]) -> str:
        """One message naming every chat given (a pass names at most
        `bot.core.desk.reminders.PER_REMINDER`): those whose window is about to close first,
        then by threshold, longest first."""
        ordered = sorted(reminders, key=lambda r: (not r.closing, -r.threshold, -r.chat.waited))
        groups: dict[str, list[WaitingChat]] = {}
        for reminder in ordered:
            title = (
                REMINDER_CLOSING_TITLE
                if reminder.closing
                else REMINDER_TITLE.format(threshold=threshold(reminder.threshold))
            )
            groups.setdefault(title, []).append(reminder.chat)
        lines: list[str] = []
        for title, chats in groups.items():
            if lines:
                lines.append("")
            lines.append(title)
            lines += [
                REMINDER_LINE.format(
                    topic=self.topic(chat), waited=duration(chat.waited), left=duration(chat.left)
                )
                for chat in chats
            ]
        return "\n".join(lines)


class GeneralReminders:
    """Implements `bot.core.desk.queue.ReminderPort`: the reminder goes to the General topic."""

    def __init__(self, speaker: Speaker, view: DeskView, forum_chat_id: int) -> None:
        self._speaker = speaker
        self._view = view
        self._forum_chat_id = forum_chat_id

    async def remind(self, reminders: Sequence[Reminder]) -> None:
        await self._speaker.say(self._forum_chat_id, self._view.reminder(reminders))
