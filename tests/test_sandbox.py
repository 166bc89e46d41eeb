"""The sandbox (bot/sandbox/run.py): the real bridge against the built-in Ozon stand-in and
simulated buyers, with Telegram (here its stand-in) as the only outside party. The real Ozon, the
`ozon` fixture put in the configured settings, must never hear from it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.app.bridge import run_bridge
from bot.config import ConfigError, Settings
from bot.sandbox import OzonStandIn
from bot.sandbox.buyers import Timings
from bot.sandbox.run import SandboxError, bridge_settings, run_sandbox, sandbox_settings
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess
from tests.waiting import wait_for

MakeSettings = Callable[..., Settings]
FAST = Timings(mean_interval=2.0, reply_delay=0.3, close_after=600.0, close_chance=0.0)


def topic_text(tg: FakeTelegram, thread_id: int) -> str:
    return "\n".join(m.text or m.caption or "" for m in tg.thread_messages(thread_id))


async def test_staff_talk_to_a_simulated_buyer_and_never_to_ozon(
    ozon: FakeOzon, tg: FakeTelegram, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings()
    assert settings.ozon_api_url == ozon.url  # the "real" Ozon, as configured
    stand_in = FakeOzon()  # the built-in stand-in, held to the spec fixture
    used: list[Settings] = []

    async def bridge(derived: Settings, stop: asyncio.Event, *, sandbox: bool) -> None:
        used.append(derived)
        await run_bridge(derived, stop, sandbox=sandbox)

    stop = asyncio.Event()
    sandbox = asyncio.create_task(
        run_sandbox(
            settings, stop, run_bridge=bridge, buyers=3, timings=FAST, seed=11, stand_in=stand_in
        )
    )
    try:
        # A buyer's message shows in its topic, pictures and all.
        shown: list[tuple[str, int, str]] = []

        def buyer_text_shown() -> bool:
            for chat in stand_in.chats.values():
                first = chat.messages[0] if chat.messages else None
                if first is None:
                    continue
                for m in tg.sent:
                    if m.thread_id is not None and first.data[0] in (m.text or m.caption or ""):
                        shown.append((chat.chat_id, m.thread_id, first.data[0]))
                        return True
            return False

        await wait_for(buyer_text_shown, within=20, what="a simulated buyer's message in a topic")
        chat_id, topic, _ = shown[0]
        # Loudly a sandbox: in the topic's name and in /status.
        assert tg.topics[topic].name.startswith("🧪 Песочница · ")
        tg.user_message("/status", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: "ПЕСОЧНИЦА" in tg.shown(), what="/status saying sandbox")

        reply = "Добрый день! Уже проверяем ваш заказ."
        tg.user_message(reply, thread_id=topic)
        await wait_for(lambda: (chat_id, reply) in stand_in.sent_texts, what="the reply in Ozon")

        def buyer_answer() -> str | None:
            messages = stand_in.messages(chat_id)
            staff = next(i for i, m in enumerate(messages) if not m.is_customer)
            answers = [m for m in messages[staff + 1 :] if m.is_customer]
            return answers[0].data[0] if answers else None

        await wait_for(lambda: buyer_answer() is not None, what="the buyer's answer in Ozon")
        answer = buyer_answer()
        assert answer is not None
        await wait_for(lambda: answer in topic_text(tg, topic), what="the buyer's answer shown")
    finally:
        stop.set()
        await asyncio.wait_for(sandbox, timeout=20)

    assert ozon.requests == []  # the real Ozon heard nothing
    (derived,) = used
    assert derived.ozon_api_url == stand_in.url
    assert derived.ozon_client_id == stand_in.client_id
    assert derived.ozon_api_key.get_secret_value() == stand_in.api_key
    assert derived.push_enabled is False
    assert derived.poll_interval_seconds == 1  # the configured one, shorter than the sandbox's 5 s
    assert derived.database_path == tmp_path / "sandbox.sqlite3"
    assert derived.database_path.exists()
    assert not settings.database_path.exists()
    assert stand_in.spec_violations == []
    assert stand_in.internal_errors == []
    async with httpx.AsyncClient() as http:  # the stand-in is closed with the sandbox
        with pytest.raises(httpx.ConnectError):
            await http.post(f"{stand_in.url}/v3/chat/list", json={"limit": 1})


async def test_built_in_stand_in_serves_the_bridge_and_the_old_sandbox_database_goes(
    ozon: FakeOzon, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(poll_interval_seconds=60)
    old = tmp_path / "sandbox.sqlite3"
    wal = old.with_name(old.name + "-wal")
    for path in (old, wal):
        path.write_bytes(b"records of chats the last stand-in had")
    seen: dict[str, object] = {}

    async def bridge(derived: Settings, stop: asyncio.Event, *, sandbox: bool) -> None:
        seen["sandbox"] = sandbox
        seen["poll"] = derived.poll_interval_seconds
        seen["old database"] = old.exists() or wal.exists()
        headers = {
            "Client-Id": derived.ozon_client_id,
            "Api-Key": derived.ozon_api_key.get_secret_value(),
        }
        async with httpx.AsyncClient(base_url=derived.ozon_api_url, headers=headers) as http:
            listing = await http.post("/v3/chat/list", json={"limit": 100})
        seen["status"] = listing.status_code

    await run_sandbox(settings, asyncio.Event(), run_bridge=bridge, seed=1)
    assert seen == {"sandbox": True, "poll": 5, "old database": False, "status": 200}
    assert ozon.requests == []


class FarAway(OzonStandIn):
    """A stand-in that claims to live somewhere other than this machine."""

    @property
    def url(self) -> str:
        return "https://api-seller.ozon.ru"


async def test_refuses_anything_but_the_loopback_stand_in_and_its_own_database(
    ozon: FakeOzon, make_settings: MakeSettings, tmp_path: Path
) -> None:
    called: list[Settings] = []

    async def bridge(derived: Settings, stop: asyncio.Event, *, sandbox: bool) -> None:
        called.append(derived)

    with pytest.raises(SandboxError, match=r"only to its Ozon stand-in on 127\.0\.0\.1"):
        await run_sandbox(make_settings(), asyncio.Event(), run_bridge=bridge, stand_in=FarAway())
    with pytest.raises(SandboxError, match="DATABASE_PATH"):
        bridge_settings(make_settings(database_path=tmp_path / "sandbox.sqlite3"), OzonStandIn())
    assert called == []
    assert ozon.requests == []


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper() in {"BOT_TOKEN", "FORUM_CHAT_ID", "OZON_CLIENT_ID", "OZON_API_KEY"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("clean_env")
def test_sandbox_settings_need_only_the_telegram_side(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("FORUM_CHAT_ID", "-1001234567890")
    settings = sandbox_settings(None)
    assert settings.forum_chat_id == -1001234567890
    assert settings.ozon_client_id.isdigit()
    assert settings.ozon_api_key.get_secret_value()

    (tmp_path / ".env").write_text("OZON_CLIENT_ID=777\nOZON_API_KEY=from-dotenv\n")
    settings = sandbox_settings()
    assert settings.ozon_client_id == "777"
    assert settings.ozon_api_key == SecretStr("from-dotenv")


@pytest.mark.usefixtures("clean_env")
def test_sandbox_settings_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM_CHAT_ID", "-1001234567890")
    with pytest.raises(ConfigError) as missing:
        sandbox_settings(None)
    assert str(missing.value).splitlines() == [
        "BOT_TOKEN is not set: it is required (Telegram bot token from @BotFather)"
    ]
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("OZON_CLIENT_ID", "not-digits")
    with pytest.raises(ConfigError, match="OZON_CLIENT_ID is invalid"):
        sandbox_settings(None)


@pytest.mark.process
async def test_python_m_bot_sandbox_needs_only_telegram(tg: FakeTelegram, tmp_path: Path) -> None:
    """`python -m bot sandbox` with nothing but BOT_TOKEN and FORUM_CHAT_ID (and, here, the
    Telegram stand-in's address): a simulated buyer's topic appears, and SIGTERM stops it."""
    env = {
        "BOT_TOKEN": tg.token,
        "FORUM_CHAT_ID": str(tg.forum_chat_id),
        "TELEGRAM_API_URL": tg.url,
        "DATABASE_PATH": str(tmp_path / "bridge.sqlite3"),
        "PUSH_PORT": "0",
    }
    proc = BridgeProcess(env, tmp_path)
    await proc.start("sandbox")
    try:
        await wait_for(
            lambda: any(t.name.startswith("🧪 Песочница") for t in tg.topics.values()),
            within=30,
            what="a sandbox topic",
        )
    finally:
        assert await proc.stop() == 0, proc.output
    assert (tmp_path / "sandbox.sqlite3").exists()
    assert not (tmp_path / "bridge.sqlite3").exists()


async def test_simulated_reviews_and_questions_can_be_answered(
    ozon: FakeOzon, tg: FakeTelegram, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    stand_in = FakeOzon()
    used: list[Settings] = []

    async def bridge(derived: Settings, stop: asyncio.Event, *, sandbox: bool) -> None:
        used.append(derived)
        await run_bridge(
            derived.model_copy(update={"feedback_poll_seconds": 1}), stop, sandbox=sandbox
        )

    timings = Timings(
        mean_interval=600.0, reply_delay=0.3, close_after=600.0, close_chance=0.0,
        feedback_interval=0.5,
    )  # fmt: skip
    stop = asyncio.Event()
    sandbox = asyncio.create_task(
        run_sandbox(
            settings, stop, run_bridge=bridge, buyers=3, timings=timings, seed=5, stand_in=stand_in
        )
    )
    names = ("🧪 Песочница · ⭐ Отзывы", "🧪 Песочница · ❓ Вопросы")
    try:

        def feedback_post() -> bool:
            topics = {t.thread_id for t in tg.topics.values() if t.name in names}
            return any(m.thread_id in topics for m in tg.sent)

        await wait_for(feedback_post, within=30, what="a simulated review or question posted")
        topics = {t.thread_id for t in tg.topics.values() if t.name in names}
        shown = next(m for m in tg.sent if m.thread_id in topics)
        assert shown.thread_id is not None
        tg.user_message(
            "Спасибо, что написали!", thread_id=shown.thread_id, reply_to=shown.message_id
        )
        await wait_for(
            lambda: len(stand_in.posted_comments) + len(stand_in.posted_answers) == 1,
            within=20,
            what="the answer in the stand-in",
        )
    finally:
        stop.set()
        await asyncio.wait_for(sandbox, timeout=20)
    assert ozon.requests == []
    assert used[0].feedback_poll_seconds == 5  # the sandbox's, shorter than the default 300 s
    assert stand_in.spec_violations == []
