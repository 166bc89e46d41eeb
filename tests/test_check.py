"""`python -m bot check`: a line per check, the fix in words, non-zero on any failure."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.check import run_check
from bot.config import Settings
from tests.conftest import OZON_API_KEY, bridge_env
from tests.fakes.openai_api import FakeOpenAI, error_body
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess

MakeSettings = Callable[..., Settings]


async def check(settings: Settings) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await run_check(settings, out)
    return code, out.getvalue().splitlines()


def line(lines: list[str], name: str) -> str:
    found = [text for text in lines if text.split(":")[0].split(None, 1)[-1] == name]
    assert found, f"no line for {name!r} in {lines}"
    return found[0]


async def test_everything_right(make_settings: MakeSettings) -> None:
    code, lines = await check(make_settings())
    assert code == 0, lines
    assert [text.split()[0] for text in lines[:-1]] == ["OK"] * 11
    assert "@ozon_bridge_bot" in line(lines, "telegram token")
    assert "forum supergroup" in line(lines, "forum group")
    assert "manage topics" in line(lines, "bot rights")
    assert "waiting ❗️, answered ✅, closed 🏁" in line(lines, "topic icons")
    assert line(lines, "ozon extras").endswith(
        "order card postings: yes; order card products: yes; /stats grades: yes"
    )
    assert "the key expires on" in line(lines, "ozon credentials")
    assert line(lines, "ozon reviews and questions").endswith("reviews: yes; questions: yes")
    assert line(lines, "reply drafts").endswith(
        "off (set AI_API_URL to have a language model draft replies)"
    )
    assert lines[-1] == "All checks passed: the bridge is ready to run."


async def test_an_icon_telegram_does_not_offer_is_named(make_settings: MakeSettings) -> None:
    code, lines = await check(make_settings(topic_icon_waiting="🦖"))
    assert code == 1
    assert line(lines, "topic icons").startswith("FAIL")
    assert "TOPIC_ICON_WAITING='🦖' is not among the 13 topic icons" in line(lines, "topic icons")


async def test_extras_the_key_lacks_are_named_without_failing(
    make_settings: MakeSettings, ozon: FakeOzon
) -> None:
    ozon.refuse_orders(True)
    code, lines = await check(make_settings())
    assert code == 0, lines
    extras = line(lines, "ozon extras")
    assert "order card postings: no (add a role with /v4/posting/fbs/list" in extras
    assert "order card products: yes" in extras


async def test_rejected_token(make_settings: MakeSettings) -> None:
    code, lines = await check(make_settings(bot_token="999:wrong-token"))
    assert code == 1
    assert line(lines, "telegram token").startswith("FAIL")
    assert "copy the token again from @BotFather" in line(lines, "telegram token")
    # The Ozon side is still checked.
    assert line(lines, "ozon chat access").startswith("OK")


@pytest.mark.parametrize(
    ("setup", "name", "fix"),
    [
        (lambda tg: setattr(tg, "is_forum", False), "forum group", "turn them on"),
        (lambda tg: setattr(tg, "bot_is_admin", False), "bot rights", "promote it"),
        (lambda tg: setattr(tg, "can_manage_topics", False), "bot rights", "Manage topics"),
    ],
)
async def test_group_misconfigured(
    make_settings: MakeSettings,
    tg: FakeTelegram,
    setup: Callable[[FakeTelegram], None],
    name: str,
    fix: str,
) -> None:
    setup(tg)
    code, lines = await check(make_settings())
    assert code == 1
    assert line(lines, name).startswith("FAIL")
    assert fix in line(lines, name)


@pytest.mark.parametrize(
    ("mode", "name", "fix"),
    [
        ("invalid", "ozon credentials", "OZON_API_KEY"),
        ("expired", "ozon credentials", "expired"),
        ("ip_restricted", "ozon credentials", "IP"),
        ("no_chat_role", "ozon chat access", "chat role"),
    ],
)
async def test_ozon_key_problems(
    make_settings: MakeSettings, ozon: FakeOzon, mode: str, name: str, fix: str
) -> None:
    ozon.auth_mode = mode  # type: ignore[assignment]
    code, lines = await check(make_settings())
    assert code == 1
    assert line(lines, name).startswith("FAIL")
    assert fix in line(lines, name)
    assert OZON_API_KEY not in "\n".join(lines)


async def test_key_about_to_expire_is_reported(make_settings: MakeSettings, ozon: FakeOzon) -> None:
    ozon.key_expires_at = datetime.now(UTC) + timedelta(days=3, hours=1)
    code, lines = await check(make_settings())
    assert code == 0
    assert "create a new key soon" in line(lines, "ozon credentials")


async def test_unreachable_ozon(make_settings: MakeSettings) -> None:
    code, lines = await check(make_settings(ozon_api_url="http://127.0.0.1:9"))
    assert code == 1
    assert "cannot reach Ozon at OZON_API_URL" in line(lines, "ozon credentials")


async def test_check_as_a_process(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, tmp_path: Path
) -> None:
    ozon.auth_mode = "expired"
    env = bridge_env(ozon, tg, tmp_path / "bridge.sqlite3")
    env |= {"AI_API_URL": llm.url, "AI_MODEL": "qwen2.5:7b", "AI_API_KEY": "sk-wrong-key-111111"}
    proc = BridgeProcess(env, tmp_path)
    await proc.start("check")
    assert await proc.wait(60) == 1
    assert "FAIL  ozon credentials:" in proc.output
    assert "OK    telegram token:" in proc.output
    assert "FAIL  reply drafts: the model server at AI_API_URL" in proc.output
    assert "rejected AI_API_KEY" in proc.output
    assert OZON_API_KEY not in proc.output
    assert "sk-wrong-key-111111" not in proc.output
    assert "HTTP Request:" not in proc.output  # the HTTP clients' request lines are kept quiet


@pytest.fixture
def env_example_copied(tmp_path: Path) -> Path:
    """A working directory holding `.env`, an unchanged copy of `.env.example`."""
    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


async def test_an_unchanged_copy_of_env_example_is_named_as_such(env_example_copied: Path) -> None:
    """A newcomer copies .env.example and runs `check` before filling it in: told which
    values are still the examples, not that Telegram cannot be reached."""
    proc = BridgeProcess({}, env_example_copied)
    await proc.start("check")
    assert await proc.wait(60) == 1
    settings_line = next(text for text in proc.lines if "settings:" in text)
    assert settings_line.startswith("FAIL")
    for name in ("BOT_TOKEN", "FORUM_CHAT_ID", "OZON_CLIENT_ID", "OZON_API_KEY"):
        assert f"{name} still holds the example value" in settings_line
    assert "cannot reach" not in proc.output
    assert "telegram token" not in proc.output

    run = BridgeProcess({}, env_example_copied)
    await run.start()
    assert await run.wait(60) == 2
    assert "Configuration error: BOT_TOKEN still holds the example value" in run.output


AI_KEY = "sk-drafts-key-0123456789"


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=["qwen2.5:7b", "llama3.1:latest"], api_key=AI_KEY) as fake:
        yield fake
        assert fake.spec_violations == []


def with_drafts(make_settings: MakeSettings, llm: FakeOpenAI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "ai_api_url": llm.url,
        "ai_model": "qwen2.5:7b",
        "ai_api_key": SecretStr(AI_KEY),
    }
    values.update(overrides)
    return make_settings(**values)


async def test_drafts_model_offered(
    make_settings: MakeSettings, llm: FakeOpenAI, tmp_path: Path
) -> None:
    instructions = tmp_path / "instructions.txt"
    instructions.write_text("Пиши коротко и вежливо.", encoding="utf-8")
    code, lines = await check(with_drafts(make_settings, llm, ai_instructions=instructions))
    assert code == 0, lines
    assert line(lines, "reply drafts") == (
        f"OK    reply drafts: {llm.url} answers and offers qwen2.5:7b; instructions from "
        f"{instructions} (23 characters)"
    )
    assert [(r.method, r.path) for r in llm.requests] == [("GET", "/v1/models")]


async def test_drafts_model_named_without_ollamas_latest_tag(
    make_settings: MakeSettings, llm: FakeOpenAI
) -> None:
    code, lines = await check(with_drafts(make_settings, llm, ai_model="llama3.1"))
    assert code == 0, lines
    assert "answers and offers llama3.1" in line(lines, "reply drafts")


async def test_drafts_model_not_offered_lists_those_that_are(
    make_settings: MakeSettings, llm: FakeOpenAI
) -> None:
    code, lines = await check(with_drafts(make_settings, llm, ai_model="gpt-4o"))
    assert code == 1
    assert line(lines, "reply drafts") == (
        f"FAIL  reply drafts: the model server at AI_API_URL ({llm.url}) answers but does not "
        "offer AI_MODEL gpt-4o: set AI_MODEL to one of qwen2.5:7b, llama3.1:latest"
    )
    assert lines[-1] == "1 check(s) failed."


async def test_drafts_server_without_models(make_settings: MakeSettings, llm: FakeOpenAI) -> None:
    llm.models = []
    code, lines = await check(with_drafts(make_settings, llm))
    assert code == 1
    assert "answers but offers no model: load one there (Ollama: `ollama pull qwen2.5:7b`)" in (
        line(lines, "reply drafts")
    )


@pytest.mark.parametrize(
    ("setup", "overrides", "fix"),
    [
        (None, {"ai_api_key": SecretStr("sk-wrong-key-000000")}, "set AI_API_KEY to a valid key"),
        (None, {"ai_api_key": None}, "requires an API key"),
        (None, {"ai_api_url": "http://127.0.0.1:9/v1"}, "cannot connect to the model server"),
        (
            lambda fake: fake.fail_next(503, headers={"Retry-After": "0.01"}, times=3),
            {},
            "failed (HTTP 503: Injected failure 503); try again later",
        ),
    ],
)
async def test_drafts_server_problems(
    make_settings: MakeSettings,
    llm: FakeOpenAI,
    setup: Callable[[FakeOpenAI], None] | None,
    overrides: dict[str, object],
    fix: str,
) -> None:
    if setup is not None:
        setup(llm)
    code, lines = await check(with_drafts(make_settings, llm, **overrides))
    assert code == 1
    assert line(lines, "reply drafts").startswith("FAIL")
    assert fix in line(lines, "reply drafts")
    assert "sk-wrong-key-000000" not in "\n".join(lines)
    assert AI_KEY not in "\n".join(lines)


async def test_drafts_url_without_v1_is_told_how_it_looks(
    make_settings: MakeSettings, llm: FakeOpenAI
) -> None:
    root = llm.url.removesuffix("/v1")
    code, lines = await check(with_drafts(make_settings, llm, ai_api_url=root))
    assert code == 1
    assert (
        "set AI_API_URL to the service's OpenAI-compatible base, like http://localhost:11434/v1"
        in (line(lines, "reply drafts"))
    )


async def test_drafts_key_echoed_by_the_server_is_scrubbed_from_the_output(
    make_settings: MakeSettings, llm: FakeOpenAI
) -> None:
    llm.fail_next(400, error_body(f"key {AI_KEY} is not allowed to list models", "x"))
    code, lines = await check(with_drafts(make_settings, llm))
    assert code == 1
    assert "key *** is not allowed to list models" in line(lines, "reply drafts")
    assert AI_KEY not in "\n".join(lines)
