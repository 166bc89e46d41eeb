"""Settings: the configuration contract, and one clear line per bad or missing variable."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import OZON_PUSH_NETWORKS, ConfigError, Settings, load_settings

REQUIRED = {
    "BOT_TOKEN": "123456:TEST-token",
    "FORUM_CHAT_ID": "-1001234567890",
    "OZON_CLIENT_ID": "100500",
    "OZON_API_KEY": "secret-ozon-key-0001",
}
CONTRACT = [
    "BOT_TOKEN", "FORUM_CHAT_ID", "OZON_CLIENT_ID", "OZON_API_KEY", "ADMIN_IDS", "DATABASE_PATH",
    "POLL_INTERVAL_SECONDS", "OZON_API_URL", "TELEGRAM_API_URL", "PUSH_ENABLED", "PUSH_PORT",
    "PUSH_PATH", "PUSH_ALLOWED_IPS", "LOG_LEVEL",
]  # fmt: skip

DRAFTS = [
    "AI_API_URL", "AI_API_KEY", "AI_MODEL", "AI_INSTRUCTIONS", "AI_TIMEOUT_SECONDS",
    "AI_DRAFTS_AUTO",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name in CONTRACT or name in REQUIRED or name in DRAFTS:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_contract_names_are_settings() -> None:
    assert {name.lower() for name in CONTRACT} <= set(Settings.model_fields)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    s = load_settings(None)
    assert s.ozon_api_url == "https://api-seller.ozon.ru"
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.poll_interval_seconds == 60
    assert s.push_enabled is False
    assert s.push_port == 8080
    assert s.push_path == "/ozon/push"
    assert s.push_allowed_ips == [ipaddress.ip_network(n) for n in OZON_PUSH_NETWORKS]
    assert s.admin_ids == []


def test_lists_and_dotenv(tmp_path: Path) -> None:
    env = "\n".join(f"{k}={v}" for k, v in REQUIRED.items())
    (tmp_path / ".env").write_text(
        env
        + "\nADMIN_IDS=1, 2,3\nPUSH_ALLOWED_IPS=10.0.0.0/8 127.0.0.1/32\nOZON_API_URL=http://127.0.0.1:9/\n"
    )
    s = load_settings()
    assert s.admin_ids == [1, 2, 3]
    assert [str(n) for n in s.push_allowed_ips] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert s.ozon_api_url == "http://127.0.0.1:9"


def test_every_problem_named_once_without_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "not-a-token-but-secret")
    monkeypatch.setenv("FORUM_CHAT_ID", "1234")
    monkeypatch.setenv("POLL_INTERVAL_SECONDS", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    lines = str(caught.value).splitlines()
    assert any(line.startswith("BOT_TOKEN is invalid: expected a bot token") for line in lines)
    assert any(
        line.startswith("FORUM_CHAT_ID is invalid: expected the supergroup id") for line in lines
    )
    assert any(line.startswith("OZON_CLIENT_ID is not set") for line in lines)
    assert any(line.startswith("OZON_API_KEY is not set") for line in lines)
    assert any(line.startswith("POLL_INTERVAL_SECONDS is invalid") for line in lines)
    assert len(lines) == 5
    assert "not-a-token-but-secret" not in str(caught.value)


def test_process_refuses_to_start_with_one_line_per_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    env["FORUM_CHAT_ID"] = "abc"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Configuration error: BOT_TOKEN is not set: it is required "
        "(Telegram bot token from @BotFather)",
        "Configuration error: FORUM_CHAT_ID is invalid: "
        "Input should be a valid integer, unable to parse string as an integer",
        "Configuration error: OZON_CLIENT_ID is not set: it is required (Ozon Client-Id (digits))",
        "Configuration error: OZON_API_KEY is not set: it is required "
        "(Ozon Api-Key with the chat role)",
    ]


def test_env_example_lists_every_setting_and_parses() -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    names = {
        line.split("=", 1)[0].strip().lower()
        for line in example.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    hidden = {"telegram_budget_window_seconds"}  # time-scaling, for tests and benchmarks
    assert set(Settings.model_fields) - hidden <= names
    settings = load_settings(example)
    assert settings.push_hmac_secret is None
    assert settings.push_trusted_proxies == []


def test_drafts_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    s = load_settings(None)
    assert not s.drafts_enabled
    assert (s.ai_api_url, s.ai_model, s.ai_api_key, s.ai_instructions) == ("", "", None, None)
    assert s.ai_timeout_seconds == 60
    assert s.ai_drafts_auto is False
    assert s.read_ai_instructions() == ""


def test_drafts_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    instructions = tmp_path / "instructions.txt"
    instructions.write_text("Пиши коротко.\n", encoding="utf-8")
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AI_API_URL", " http://localhost:11434/v1/ ")
    monkeypatch.setenv("AI_API_KEY", " sk-drafts-key ")
    monkeypatch.setenv("AI_MODEL", " qwen2.5:7b ")
    monkeypatch.setenv("AI_INSTRUCTIONS", "instructions.txt")  # relative to the working directory
    monkeypatch.setenv("AI_TIMEOUT_SECONDS", "120")
    monkeypatch.setenv("AI_DRAFTS_AUTO", "true")
    s = load_settings(None)
    assert s.drafts_enabled
    assert s.ai_api_url == "http://localhost:11434/v1"
    assert s.ai_api_key is not None
    assert s.ai_api_key.get_secret_value() == "sk-drafts-key"
    assert s.ai_model == "qwen2.5:7b"
    assert s.ai_timeout_seconds == 120
    assert s.ai_drafts_auto is True
    assert s.read_ai_instructions() == "Пиши коротко.\n"
    instructions.write_text("Пиши подробно.", encoding="utf-8")
    assert s.read_ai_instructions() == "Пиши подробно."  # edits apply to the next draft
    instructions.unlink()
    with pytest.raises(ValueError, match=r"instructions\.txt does not exist"):
        s.read_ai_instructions()


def test_a_blank_key_or_instructions_read_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AI_API_KEY", "  ")
    monkeypatch.setenv("AI_INSTRUCTIONS", " ")
    s = load_settings(None)
    assert (s.ai_api_key, s.ai_instructions) == (None, None)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"AI_API_URL": "http://localhost:11434/v1"},
            "AI_MODEL is not set: it is required (when AI_API_URL is set: the model that drafts "
            "replies, like qwen2.5:7b)",
        ),
        (
            {"AI_API_URL": "localhost:11434", "AI_MODEL": "m"},
            "AI_API_URL is invalid: expected the base URL of an OpenAI-compatible API, like "
            "http://localhost:11434/v1 (Ollama) or https://api.openai.com/v1",
        ),
        (
            {"AI_INSTRUCTIONS": "missing.txt"},
            "AI_INSTRUCTIONS is invalid: expected a readable text file with the seller's "
            "instructions for drafts: missing.txt does not exist",
        ),
        (
            {"AI_INSTRUCTIONS": "."},
            "AI_INSTRUCTIONS is invalid: expected a readable text file with the seller's "
            "instructions for drafts: . is a directory",
        ),
        (
            {"AI_INSTRUCTIONS": "latin1.txt"},
            "AI_INSTRUCTIONS is invalid: expected a readable text file with the seller's "
            "instructions for drafts: latin1.txt is not UTF-8 text",
        ),
        ({"AI_TIMEOUT_SECONDS": "0"}, "AI_TIMEOUT_SECONDS is invalid: Input should be greater"),
        ({"AI_TIMEOUT_SECONDS": "soon"}, "AI_TIMEOUT_SECONDS is invalid"),
        ({"AI_DRAFTS_AUTO": "maybe"}, "AI_DRAFTS_AUTO is invalid"),
    ],
)
def test_a_bad_drafts_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    (tmp_path / "latin1.txt").write_bytes("Пиши".encode("cp1251"))
    for name, value in {**REQUIRED, "AI_API_KEY": "sk-never-shown-0001", **env}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected)
    assert "sk-never-shown-0001" not in str(caught.value)


def test_the_bridge_does_not_start_with_drafts_half_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT and k not in DRAFTS}
    env.update(REQUIRED, AI_API_URL="http://127.0.0.1:9/v1")
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: AI_MODEL is not set: it is required (when AI_API_URL is set: the "
        "model that drafts replies, like qwen2.5:7b)"
    ]
