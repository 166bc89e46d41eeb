"""Topic icons follow the chats' help-desk states (waiting, answered, closed).

An icon edit spends the forum group's Telegram budget, so it waits until the relay has posted
everything there is to post, then for a spare slot of the budget: never ahead of a buyer's post,
and never while the budget is full. It is dropped if, by the time the slot
comes, the chat's state changed back or its icon shows the state already; a chat whose state
changed meanwhile is simply due again with its new state.

Without the right to manage topics, or with an icon Telegram does not offer, icons are skipped
with one warning in the log and a line in /status, and tried again now and then; relaying goes
on regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.faults import IconsUnavailable, PostRejected, TopicGone, TopicsUnavailable
from bot.core.logfields import event
from bot.core.records import ChatRow
from bot.core.states import DeskState
from bot.core.worker import Clock, Worker

log = logging.getLogger(__name__)

BATCH = 20
POSTS_FIRST = 0.5
"""Seconds between looks while buyer messages wait to be posted."""
RETRY_REFUSED = 300.0
"""Seconds before icons are tried again after Telegram refused them."""


class IconChats(Protocol):
    async def icons_due(self, limit: int = 20) -> list[ChatRow]:
        """Chats whose topic's icon does not show their state yet."""
        ...

    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def set_icon_shown(self, chat_id: str, topic_id: int, shown: DeskState) -> None: ...


class IconDisplay(Protocol):
    async def show_state(
        self, topic_id: int, state: DeskState, *, moot: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Give the topic the icon of `state`, in a spare slot of the group's budget, unless
        `moot` by then. Returns whether the icon now shows it (False: moot). Raises
        `TopicsUnavailable` without the right to manage topics, `IconsUnavailable` when the
        chosen icon is not offered."""
        ...


class IconPainter(Worker):
    name = "icons"

    def __init__(
        self,
        chats: IconChats,
        telegram: IconDisplay,
        *,
        posts_done: Callable[[], bool] = lambda: True,
        retry_refused: float = RETRY_REFUSED,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._chats = chats
        self._telegram = telegram
        self._posts_done = posts_done
        self._retry_refused = retry_refused
        self._held_until = 0.0
        self.problem: str | None = None
        """Why icons are not shown right now (None while they are)."""
        self.shown = 0

    async def step(self) -> float | None:
        held = self._held_until - self._clock.monotonic()
        if held > 0:
            return held
        if not self._posts_done():
            return POSTS_FIRST
        due = await self._chats.icons_due(BATCH)
        for chat in due:
            if self.stopping:
                break
            if not self._posts_done():
                return POSTS_FIRST
            try:
                await self._show(chat)
            except (TopicsUnavailable, IconsUnavailable) as exc:
                return self._refused(exc)
        if self.problem is not None and due:
            log.warning("topic icons are shown again")
            self.problem = None
        return 0 if due else None

    async def _show(self, chat: ChatRow) -> None:
        topic_id, state = chat.topic_id, chat.desk
        assert topic_id is not None

        async def moot() -> bool:
            now = await self._chats.get(chat.chat_id)
            return (
                now is None
                or now.topic_id != topic_id
                or now.desk is not state
                or now.icon_shown is state
            )

        try:
            if not await self._telegram.show_state(topic_id, state, moot=moot):
                return  # moot: due again with its new state, if it changed
        except (TopicGone, PostRejected) as exc:
            # Nothing to show it on: a new topic is made with the icon of its state.
            log.info(
                "chat %s: topic %s icon not set (%s)",
                chat.chat_id,
                topic_id,
                exc,
                extra=event("icon_not_set", chat_id=chat.chat_id, topic_id=topic_id),
            )
        else:
            self.shown += 1
        await self._chats.set_icon_shown(chat.chat_id, topic_id, state)

    def _refused(self, exc: TopicsUnavailable | IconsUnavailable) -> float:
        reason = exc.operator_hint or str(exc)
        if reason != self.problem:
            log.warning(
                "topic icons are not shown: %s; buyer messages are relayed as usual", reason
            )
        self.problem = reason
        self._held_until = self._clock.monotonic() + self._retry_refused
        return self._retry_refused
