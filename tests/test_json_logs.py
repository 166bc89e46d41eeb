"""JSON logs (LOG_FORMAT=json): the fields a log call passes through `extra=` are top-level fields
of its line, scrubbed of secrets; the bridge's events carry their name and ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

import bot.secrets
from bot.core.logfields import event
from bot.logs import JsonFormatter, RedactSecrets
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

Bridge = Callable[..., Any]


@contextmanager
def json_lines(logger: logging.Logger) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Lines the logger (and those below it) writes, as production writes them in JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def unit_log() -> logging.Logger:
    log = logging.getLogger("tests.json_logs.unit")
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


@pytest.fixture(autouse=True)
def own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets remembered here are forgotten after the test."""
    monkeypatch.setattr(bot.secrets, "_known", set(bot.secrets._known))


def test_event_fields_are_top_level_next_to_the_usual_ones(unit_log: logging.Logger) -> None:
    with json_lines(unit_log) as lines:
        unit_log.info(
            "chat %s: created topic %s",
            "c1",
            5,
            extra=event("topic_created", chat_id="c1", topic_id=5),
        )
    (line,) = lines()
    assert line["event"] == "topic_created"
    assert line["chat_id"] == "c1"
    assert line["topic_id"] == 5
    assert line["message"] == "chat c1: created topic 5"
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.json_logs.unit"
    # Nothing of the record itself (args, msg, levelno...) is dumped.
    assert set(line) == {"time", "level", "logger", "message", "event", "chat_id", "topic_id"}
    assert list(line)[:4] == ["time", "level", "logger", "message"]


def test_event_leaves_out_what_is_not_known() -> None:
    assert event("poll", chat_id=None, failed=0, note=None) == {"event": "poll", "failed": 0}


def test_a_secret_in_an_extra_field_is_scrubbed(unit_log: logging.Logger) -> None:
    bot.secrets.remember("s3cr3t-value")
    with json_lines(unit_log) as lines:
        unit_log.warning(
            "token %s refused",
            "s3cr3t-value",
            extra={
                **event("sync_failed", chat_id="c1", reason="bad key s3cr3t-value"),
                "details": {"key": ["s3cr3t-value"]},
                "raw": ValueError("said s3cr3t-value"),
            },
        )
    (line,) = lines()
    assert "s3cr3t-value" not in json.dumps(line)
    assert line["reason"] == "bad key ***"
    assert line["details"] == {"key": ["***"]}
    assert line["raw"] == "said ***"
    assert line["message"] == "token *** refused"


def test_odd_values_become_strings_and_the_own_fields_stay(unit_log: logging.Logger) -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with json_lines(unit_log) as lines:
        unit_log.info(
            "odd",
            extra={"at": at, "ids": {7}, "flag": True, "level": "FAKE", "_private": 1},
        )
    (line,) = lines()
    assert line["at"] == str(at)
    assert line["ids"] == "{7}"
    assert line["flag"] is True
    assert line["level"] == "INFO"  # never overwritten by a field of the call
    assert "_private" not in line


async def test_the_bridge_logs_its_events_with_chat_and_topic(
    ozon: FakeOzon,
    tg: FakeTelegram,
    bridge: Bridge,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте, где мой заказ?")

    def of(lines: Callable[[], list[dict[str, Any]]], name: str) -> list[dict[str, Any]]:
        return [line for line in lines() if line.get("event") == name]

    with json_lines(logging.getLogger()) as lines:
        async with bridge():
            await wait_for(lambda: bool(of(lines, "posted")), what="a posted line")
            (topic,) = [t.thread_id for t in tg.topics.values() if not t.deleted]
            tg.user_message("Добрый день! Заказ уже в пути.", thread_id=topic)
            await wait_for(lambda: bool(of(lines, "reply_delivered")), what="a delivered line")

    (created,) = of(lines, "topic_created")
    assert created["chat_id"] == chat
    assert created["topic_id"] == topic
    assert isinstance(created["topic_id"], int)
    posted = of(lines, "posted")[0]
    assert (posted["chat_id"], posted["topic_id"], posted["count"]) == (chat, topic, 1)
    assert isinstance(posted["tg_message_id"], int)
    delivered = of(lines, "reply_delivered")[0]
    assert delivered["chat_id"] == chat
    assert isinstance(delivered["outbox_id"], int)
    assert of(lines, "poll"), "the poll summary carries its event"
    assert {"chats", "synced", "new_messages", "failed"} <= set(of(lines, "poll")[0])
