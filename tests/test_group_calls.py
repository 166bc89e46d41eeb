"""Calls into the forum group through the gateway, against the Bot API double: what Telegram
answers becomes the fault the core understands (`bot.core.faults`), a flood answer is waited out
inside the group's budget, and a call that can wait gives its slot back once it is moot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.core.faults import (
    GroupFault,
    PostRejected,
    ShuttingDown,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
    TopicsUnavailable,
)
from bot.core.states import DeskState
from bot.telegram.gateway.calls import GroupCalls
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.gateway.gateway import TelegramGateway
from tests.conftest import BOT_TOKEN, FORUM_CHAT_ID
from tests.fakes.telegram import FakeTelegram


class Clock:
    """The budget's time: its waits pass at once, and are added up."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Group:
    tg: FakeTelegram
    gateway: TelegramGateway
    flood: FloodControl
    clock: Clock
    topic: int


def make_bot(tg: FakeTelegram, token: str = BOT_TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))


@pytest.fixture
async def group(tg: FakeTelegram) -> AsyncIterator[Group]:
    bot = make_bot(tg)
    clock = Clock()
    flood = FloodControl(20, 60.0, clock=clock, sleep=clock.sleep)
    gateway = TelegramGateway(bot, FORUM_CHAT_ID, GroupCalls(flood))
    topic = (await gateway.create_topic("Заказ 1")).topic_id
    try:
        yield Group(tg, gateway, flood, clock, topic)
    finally:
        await bot.session.close()


async def post(group: Group) -> object:
    return await group.gateway.post_text(group.topic, "Здравствуйте")


async def new_topic(group: Group) -> object:
    return await group.gateway.create_topic("Заказ 2")


def topic_deleted(tg: FakeTelegram) -> None:
    tg.delete_topic(max(tg.topics))


def topic_closed(tg: FakeTelegram) -> None:
    tg.close_topic(max(tg.topics))


def refused(description: str, status: int = 400) -> Callable[[FakeTelegram], None]:
    return lambda tg: tg.fail_next("sendMessage", status, description=description)


def world(**state: object) -> Callable[[FakeTelegram], None]:
    """The group's state changed: the bot kicked, the group upgraded, Topics turned off, ..."""

    def change(tg: FakeTelegram) -> None:
        for name, value in state.items():
            setattr(tg, name, value)

    return change


CASES = [
    # (what happened to the group, the call made, the fault raised, the group fault it names)
    (world(bot_kicked=True), post, TelegramUnavailable, GroupFault.KICKED),
    (world(migrated_to=-1009876543210), post, TelegramUnavailable, GroupFault.MIGRATED),
    (world(chat_exists=False), post, TelegramUnavailable, GroupFault.NO_CHAT),
    (world(is_forum=False), new_topic, TelegramUnavailable, GroupFault.NOT_FORUM),
    (world(can_manage_topics=False), new_topic, TopicsUnavailable, GroupFault.RIGHTS),
    (refused("Bad Request: CHAT_WRITE_FORBIDDEN"), post, TelegramUnavailable, GroupFault.RIGHTS),
    (topic_deleted, post, TopicGone, None),
    (topic_closed, post, TopicClosed, None),
    (refused("Bad Request: MESSAGE_TOO_LONG"), post, PostRejected, None),
    (refused("Request Entity Too Large", 413), post, PostRejected, None),
    (refused("Not Found", 404), post, TelegramUnavailable, None),
]


@pytest.mark.parametrize(("happen", "call", "raised", "fault"), CASES)
async def test_what_telegram_answers_becomes_the_fault_the_core_understands(
    group: Group,
    happen: Callable[[FakeTelegram], None],
    call: Callable[[Group], Awaitable[object]],
    raised: type[Exception],
    fault: GroupFault | None,
) -> None:
    happen(group.tg)
    before = len(group.tg.requests)
    with pytest.raises(raised) as caught:
        await call(group)
    assert type(caught.value) is raised
    assert len(group.tg.requests) == before + 1  # none of these is tried again
    if isinstance(caught.value, TelegramUnavailable):
        assert caught.value.fault is fault
        assert bool(caught.value.operator_hint) is (fault is not None)
    else:
        assert fault is None


async def test_a_new_token_is_asked_for_when_telegram_no_longer_knows_the_bot(
    tg: FakeTelegram,
) -> None:
    bot = make_bot(tg, "999:not-the-bot")
    gateway = TelegramGateway(bot, FORUM_CHAT_ID, GroupCalls(FloodControl()))
    try:
        with pytest.raises(TelegramUnavailable) as caught:
            await gateway.create_topic("Заказ 1")
    finally:
        await bot.session.close()
    assert caught.value.fault is GroupFault.UNAUTHORIZED
    assert "BOT_TOKEN" in (caught.value.operator_hint or "")


async def test_the_hint_for_a_migrated_group_names_its_new_id(group: Group) -> None:
    group.tg.migrated_to = -1009876543210
    with pytest.raises(TelegramUnavailable) as caught:
        await post(group)
    assert "-1009876543210" in (caught.value.operator_hint or "")


async def test_a_flood_answer_is_waited_out_and_the_post_then_made(group: Group) -> None:
    group.tg.fail_next("sendMessage", 429, retry_after=30)
    start = group.clock.now
    message_id = await post(group)
    assert [m.message_id for m in group.tg.thread_messages(group.topic)] == [message_id]
    assert group.clock.now - start >= 30
    assert group.flood.retry_after_total == 1


async def test_a_call_that_became_moot_is_not_made_and_gives_its_slot_back(group: Group) -> None:
    await group.gateway.load_icons()
    used = group.flood.used_in_window()
    shown = await group.gateway.show_state(group.topic, DeskState.ANSWERED, moot=_always)
    assert shown is False
    assert group.tg.calls("editForumTopic") == []
    assert group.flood.used_in_window() == used
    assert await group.gateway.show_state(group.topic, DeskState.ANSWERED, moot=_never)
    assert len(group.tg.calls("editForumTopic")) == 1


async def test_a_stopping_bridge_makes_no_more_calls(group: Group) -> None:
    group.flood.close()
    before = len(group.tg.requests)
    with pytest.raises(ShuttingDown):
        await post(group)
    assert len(group.tg.requests) == before


async def _always() -> bool:
    return True


async def _never() -> bool:
    return False
