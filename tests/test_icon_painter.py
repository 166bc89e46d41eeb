"""The icon worker's decisions, against in-memory ports: icons wait while buyer posts wait, an
edit that became moot is not recorded as shown, a refusal holds icons back with one warning."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.desk.icons import POSTS_FIRST, IconPainter
from bot.core.faults import TopicGone, TopicsUnavailable
from bot.core.records import ChatRow
from bot.core.states import ChatStatus, DeskState
from tests.clock import FakeClock

CHAT = ChatRow(
    chat_id="c1",
    chat_type="BUYER_SELLER",
    status=ChatStatus.OPENED,
    created_at=None,
    order_number=None,
    sku=None,
    topic_id=7,
    topic_fresh=False,
    sync_cursor=None,
    last_message_id=None,
    unread_count=0,
    last_buyer_at=None,
    sync_error=None,
    first_seen_at=datetime(2026, 11, 1, tzinfo=UTC),
    desk=DeskState.WAITING,
    icon_shown=DeskState.ANSWERED,
)


class Chats:
    def __init__(self, chat: ChatRow) -> None:
        self.chat = chat

    async def icons_due(self, limit: int = 20) -> list[ChatRow]:
        return [self.chat] if self.chat.icon_shown is not self.chat.desk else []

    async def get(self, chat_id: str) -> ChatRow | None:
        return self.chat

    async def set_icon_shown(self, chat_id: str, topic_id: int, shown: DeskState) -> None:
        self.chat = replace(self.chat, icon_shown=shown)


class Telegram:
    def __init__(self, chats: Chats) -> None:
        self.chats = chats
        self.shown: list[tuple[int, DeskState]] = []
        self.before_slot: Callable[[], None] = lambda: None
        self.refuse: Exception | None = None

    async def show_state(
        self, topic_id: int, state: DeskState, *, moot: Callable[[], Awaitable[bool]]
    ) -> bool:
        if self.refuse is not None:
            raise self.refuse
        self.before_slot()  # what happens while the edit waits for its slot
        if await moot():
            return False
        self.shown.append((topic_id, state))
        return True


def painter(
    chats: Chats, telegram: Telegram, posts_done: Callable[[], bool] = lambda: True
) -> IconPainter:
    return IconPainter(
        chats,
        telegram,
        posts_done=posts_done,
        clock=FakeClock(),
    )


async def test_icons_wait_while_buyer_posts_wait() -> None:
    chats = Chats(CHAT)
    telegram = Telegram(chats)
    posting = True
    worker = painter(chats, telegram, posts_done=lambda: not posting)
    assert await worker.step() == POSTS_FIRST
    assert telegram.shown == []
    posting = False
    assert await worker.step() == 0
    assert telegram.shown == [(7, DeskState.WAITING)]
    assert chats.chat.icon_shown is DeskState.WAITING
    assert await worker.step() is None  # nothing due: until woken


async def test_an_edit_moot_by_its_slot_is_dropped_and_the_new_state_shown_next() -> None:
    chats = Chats(CHAT)
    telegram = Telegram(chats)
    # The staff reply lands while the edit waits: the chat is answered, as the icon shows.
    telegram.before_slot = lambda: setattr(
        chats, "chat", replace(chats.chat, desk=DeskState.ANSWERED)
    )
    worker = painter(chats, telegram)
    await worker.step()
    assert telegram.shown == []
    assert await worker.step() is None  # the icon shows the state: nothing due


async def test_a_refusal_holds_icons_back_and_is_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    chats = Chats(CHAT)
    telegram = Telegram(chats)
    telegram.refuse = TopicsUnavailable("not enough rights", operator_hint="hint")
    worker = painter(chats, telegram)
    assert await worker.step() == 300.0
    assert worker.problem == "hint"
    assert (await worker.step() or 0) > 0  # held: not tried again at once
    assert caplog.text.count("topic icons are not shown") == 1
    assert chats.chat.icon_shown is DeskState.ANSWERED


async def test_a_topic_gone_is_not_tried_again() -> None:
    chats = Chats(CHAT)
    telegram = Telegram(chats)
    telegram.refuse = TopicGone("message thread not found")
    worker = painter(chats, telegram)
    await worker.step()
    assert chats.chat.icon_shown is DeskState.WAITING  # a new topic gets the icon when made
    assert await worker.step() is None
