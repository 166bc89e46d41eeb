"""The writer on its own, over a real database and the OpenAI double: a request left from before
a restart is written then (nothing lives only in memory), unless it is too old to be wanted;
the model is never asked for a stale one, and `/draft`'s asker is told why."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.drafts.chats import BuyerChats
from bot.core.drafts.checks import Checked
from bot.core.drafts.conversation import Sources
from bot.core.drafts.writer import STALE, DraftWriter, Failure, Why
from bot.core.records import DraftRow
from bot.core.states import DraftState, DraftTrigger
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
    """The topics as the writer posts into them: a complete double of `DraftPosts`."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, str]] = []
        self.told: list[tuple[int, Failure]] = []

    async def show(self, draft: DraftRow, checked: Checked, *, spare: bool) -> int:
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
