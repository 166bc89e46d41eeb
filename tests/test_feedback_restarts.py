"""A real `python -m bot` killed between Ozon taking an answer and the bridge recording it: after
the restart the answer is looked for in Ozon (the review's comments or status, the question's
answers) and never posted a second time; one Ozon cannot show yet (moderation) is left for staff
to look at, and «Повторить» looks again before any send."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.feedback_helpers import MUG, db_rows, post, posted, reaction, reply, with_product
from tests.process import BridgeProcess
from tests.waiting import wait_for

pytestmark = pytest.mark.process


def states(db: Path) -> list[str]:
    return [row[0] for row in db_rows(db, "SELECT state FROM outbox ORDER BY id")]


@asynccontextmanager
async def running(env: dict[str, str], cwd: Path) -> AsyncIterator[BridgeProcess]:
    """A bridge process, killed if the test fails while it runs."""
    process = BridgeProcess(env, cwd)
    await process.start()
    try:
        yield process
    finally:
        if process.running:
            process.signal(signal.SIGKILL)
            await process.wait(10.0)


async def test_answers_ozon_took_before_a_kill_are_not_sent_again(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    with_product(ozon)
    review = ozon.add_review(MUG, "Крышка треснула", rating=1)
    ozon.add_question(MUG, "Есть ли запасные крышки?")
    # The seller's comments wait for moderation: the review's status has to prove delivery.
    ozon.moderation_delay = 3600.0
    db = tmp_path / "bridge.sqlite3"
    env = bridge_env(ozon, tg, db, feedback_poll_seconds=1)

    async with running(env, tmp_path) as first:
        await wait_for(lambda: posted(tg, "Крышка треснула") == 1, within=30)
        await wait_for(lambda: posted(tg, "запасные крышки") == 1, within=30)
        # Ozon takes both, and the answers are lost: the bridge cannot know they arrived ...
        ozon.drop_response_after_apply("/v1/review/comment/create")
        ozon.drop_response_after_apply("/v1/question/answer/create")
        comment = reply(tg, post(tg, "Крышка треснула"), "Заменим крышку, напишите в чат")
        answer = reply(tg, post(tg, "запасные крышки"), "Да, продаются отдельно")
        await wait_for(lambda: len(ozon.posted_comments) == len(ozon.posted_answers) == 1)
        await wait_for(lambda: states(db) == ["sending", "sending"], what="unsure rows")
        # ... and it dies before it can look.
        first.signal(signal.SIGKILL)
        assert await first.wait(10.0) == -signal.SIGKILL

    async with running(env, tmp_path) as second:
        # The review Ozon shows processed got the comment (held in moderation): delivered.
        await wait_for(lambda: reaction(tg, comment) == "👌", within=30, what="the comment's 👌")
        # The question's answer Ozon does not list yet: nothing tells, so it is not sent again;
        # staff are told to look in Ozon first.
        await wait_for(lambda: reaction(tg, answer) == "👎", within=30, what="the answer's 👎")
        await wait_for(lambda: any(m.reply_to_message_id == answer for m in tg.sent), what="why")
        (notice,) = [m for m in tg.sent if m.reply_to_message_id == answer]
        assert "проходят модерацию" in (notice.text or "")
        assert len(ozon.posted_answers) == 1
        # Moderation lets it through; «Повторить» looks once more and finds it.
        ozon.moderation_delay = 0.0
        assert notice.reply_markup is not None
        button = notice.reply_markup["inline_keyboard"][0][0]
        tg.callback(button["callback_data"], from_id=111, message_id=notice.message_id)
        await wait_for(lambda: reaction(tg, answer) == "👌", within=30, what="the answer's 👌")
        assert await second.stop() == 0

    assert len(ozon.posted_comments) == 1
    assert len(ozon.posted_answers) == 1
    assert ozon.reviews[review].status == "PROCESSED"
    assert states(db) == ["delivered", "delivered"]
    outcomes = db_rows(db, "SELECT kind, outcome FROM feedback ORDER BY kind")
    assert outcomes == [("question", "answered"), ("review", "answered")]
