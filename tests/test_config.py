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


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name in CONTRACT or name in REQUIRED:
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
