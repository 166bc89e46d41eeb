"""The writer on its own, over a real database and the OpenAI double: a request left from before
a restart is written then (nothing lives only in memory), unless it is too old to be wanted;
the model is never asked for a stale one, and `/draft`'s asker is told why. Automatic drafts
waiting for a spare slot of the group's budget keep no `/draft` waiting, and one whose chat is
answered meanwhile is never posted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.drafts.chats import BuyerChats
from bot.core.drafts.checks import Checked
from bot.core.drafts.conversation import Sources
from bot.core.drafts.writer import STALE, DraftWriter, Failure, Why
from bot.core.records import DraftRow
from bot.core.states import DeskState, DraftState, DraftTrigger
from bot.llm.client import ModelClient
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.drafts import DraftRepository
from storage.forum import bind_forum
from storage.outbox import OutboxRepository
from storage.templates import TemplateRepository
from tests.fakes.openai_api import FakeOpenAI
from tests.test_desk_storage import new_chat
from tests.test_draft_storage import said
from tests.test_storage import record
from tests.waiting import wait_for


class Topic:
    """The topics as the writer posts into them: a complete double of `DraftPosts`. Spare slots
    come when `spare` is set, and each is offered to the `moot` check first, as the budget does."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, str]] = []
        self.told: list[tuple[int, Failure]] = []
        self.spare = asyncio.Event()
        self.spare.set()
        self.waiting = 0
        """Automatic drafts waiting for a spare slot now."""

    async def show(
        self, draft: DraftRow, checked: Checked, *, moot: Callable[[], Awaitable[bool]] | None
    ) -> int | None:
        if moot is not None:
            self.waiting += 1
            try:
                await self.spare.wait()
            finally:
                self.waiting -= 1
            if await moot():
                return None
        self.shown.append((draft.id, checked.body))
        return 1000 + draft.id

    async def tell_failure(self, draft: DraftRow, failure: Failure) -> None:
        self.told.append((draft.id, failure))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    await bind_forum(db, -100777)
    await new_chat(ChatRepository(db), "c1", topic=5)
    await record(db, "c1", [said("1")], cursor="1")
    yield db
    await db.close()


async def test_requests_from_before_a_restart_are_written_unless_stale(
    db: Database, tmp_path: Path
) -> None:
    drafts = DraftRepository(db)
    fresh = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=40)
    stale = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=41)
    assert fresh is not None
    assert stale is not None
    await db.execute(
        "UPDATE drafts SET asked_at = ? WHERE id = ?",
        ((datetime.now(UTC) - STALE - timedelta(minutes=1)).isoformat(), stale),
    )
    chats = BuyerChats(
        ChatRepository(db),
        drafts,
        CardRepository(db),
        OutboxRepository(db),
        on_queued=lambda: None,
        tz=ZoneInfo("Europe/Moscow"),
    )
    topic = Topic()
    async with FakeOpenAI() as llm, ModelClient(llm.url, "test-model", timeout=5) as model:
        llm.queue("Здравствуйте! Всё проверим.")
        writer = DraftWriter(
            drafts,
            Sources(chats),
            model,
            topic,
            TemplateRepository(db),
            instructions=lambda: "",
            tz=ZoneInfo("Europe/Moscow"),
            timeout=5,
        )
        running = asyncio.create_task(writer.run())

        async def both_handled() -> bool:
            states = [getattr(await drafts.get(d), "state", None) for d in (fresh, stale)]
            return states == [DraftState.SHOWN, DraftState.FAILED] and bool(topic.told)

        try:
            await wait_for(both_handled, within=10, what="both handled")
        finally:
            writer.stop()
            await running
        assert len(llm.chat_requests) == 1  # never asked for the stale one
    assert topic.shown == [(fresh, "Здравствуйте! Всё проверим.")]
    assert topic.told == [(stale, Failure(Why.STALE))]
    written, old = await drafts.get(fresh), await drafts.get(stale)
    assert written is not None
    assert old is not None
    assert (written.state, written.message_id) == (DraftState.SHOWN, 1000 + fresh)
    assert old.state is DraftState.FAILED


async def test_automatic_drafts_waiting_for_a_slot_hold_no_command_back(db: Database) -> None:
    drafts, chats = DraftRepository(db), ChatRepository(db)
    auto: list[int] = []
    for n in range(1, 4):
        chat_id = f"w{n}"
        await new_chat(chats, chat_id, topic=10 + n)
        await record(db, chat_id, [said(str(n))], cursor=str(n))
        async with db.transaction() as tx:
            await chats.set_desk(tx, chat_id, DeskState.WAITING)
        asked = await drafts.ask("chat", chat_id, 10 + n, DraftTrigger.AUTO, answers_id=str(n))
        assert asked is not None
        auto.append(asked)
    buyer_chats = BuyerChats(
        chats,
        drafts,
        CardRepository(db),
        OutboxRepository(db),
        on_queued=lambda: None,
        tz=ZoneInfo("Europe/Moscow"),
    )
    topic = Topic()
    topic.spare.clear()  # buyer posts take the budget
    async with FakeOpenAI() as llm, ModelClient(llm.url, "test-model", timeout=5) as model:
        llm.answer_with = lambda request: "Здравствуйте! Заказ в пути."
        writer = DraftWriter(
            drafts,
            Sources(buyer_chats),
            model,
            topic,
            TemplateRepository(db),
            instructions=lambda: "",
            tz=ZoneInfo("Europe/Moscow"),
            timeout=5,
            at_once=3,
        )
        running = asyncio.create_task(writer.run())
        try:
            await wait_for(lambda: topic.waiting == 3, within=10, what="three drafts waiting")
            command = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=9)
            assert command is not None
            writer.wake()
            await wait_for(
                lambda: any(shown == command for shown, _ in topic.shown),
                within=10,
                what="/draft written while automatic drafts wait for a slot",
            )
            async with db.transaction() as tx:  # staff answered one chat meanwhile
                await chats.set_desk(tx, "w2", DeskState.ANSWERED)
            topic.spare.set()

            async def settled() -> bool:
                states = [getattr(await drafts.get(d), "state", None) for d in auto]
                return None not in states and DraftState.ASKED not in states

            await wait_for(settled, within=10, what="the automatic drafts settled")
        finally:
            writer.stop()
            await running
    states = [getattr(await drafts.get(d), "state", None) for d in auto]
    assert states == [DraftState.SHOWN, DraftState.CANCELLED, DraftState.SHOWN]
    assert sorted(shown for shown, _ in topic.shown) == sorted([command, auto[0], auto[2]])
