"""Running the sandbox: the real bridge against the built-in Ozon stand-in and simulated buyers.

Only Telegram is real: the bridge posts into the configured forum, and staff answer there. Ozon is
the stand-in on 127.0.0.1; the sandbox never reaches the real Ozon and never touches the real
database. With AI_API_URL set it drafts replies as the bridge does (`/draft`, AI_DRAFTS_AUTO),
so that staff can try drafts on simulated buyers first.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from bot.config import ConfigError, Settings, describe_validation_error
from bot.sandbox.buyers import BuyerSimulation, Timings
from bot.sandbox.server import OzonStandIn

log = logging.getLogger(__name__)

BridgeRunner = Callable[..., Awaitable[None]]
"""`run_bridge(settings, stop, sandbox=True)`, as `bot.__main__.run_bridge`."""

SANDBOX_DATABASE = "sandbox.sqlite3"
"""The sandbox's own database, next to the configured one."""
SANDBOX_POLL_SECONDS = 5
"""The longest poll interval in the sandbox (chats, reviews and questions): buyers' messages,
reviews and questions show within seconds."""
SANDBOX_API_KEY = "sandbox"
_PLACEHOLDERS: dict[str, Any] = {
    "ozon_client_id": "100500",
    "ozon_api_key": SecretStr("sandbox-placeholder"),
}
"""Ozon credentials the sandbox does not use, filled in when none are configured."""
_LOOPBACK = "127.0.0.1"


class SandboxError(Exception):
    """The sandbox cannot run as configured; the message says why."""


def sandbox_settings(env_file: str | Path | None = ".env") -> Settings:
    """The settings for `python -m bot sandbox`: only BOT_TOKEN and FORUM_CHAT_ID are needed.

    OZON_CLIENT_ID and OZON_API_KEY get placeholders when neither the environment nor `env_file`
    sets them; a value that is set must still be valid. Raises `ConfigError` naming each bad
    variable, as `bot.config.load_settings` does."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        missing = {str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]}
        fill = {name: value for name, value in _PLACEHOLDERS.items() if name in missing}
        if not fill:
            raise ConfigError(describe_validation_error(exc)) from None
    try:
        return Settings(_env_file=env_file, **fill)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def bridge_settings(settings: Settings, ozon: OzonStandIn) -> Settings:
    """The bridge's settings in the sandbox: Ozon is the stand-in, the database its own file,
    polling (chats, reviews and questions) every few seconds, push off. Refuses anything that
    could reach the real Ozon or the real database."""
    database = settings.database_path.parent / SANDBOX_DATABASE
    if settings.database_path.resolve() == database.resolve():
        raise SandboxError(
            f"DATABASE_PATH is {settings.database_path}: the sandbox keeps its own "
            f"{SANDBOX_DATABASE} there, so choose another name for the bridge's database"
        )
    derived = settings.model_copy(
        update={
            "ozon_api_url": ozon.url,
            "ozon_client_id": ozon.client_id,
            "ozon_api_key": SecretStr(ozon.api_key),
            "database_path": database,
            "poll_interval_seconds": min(settings.poll_interval_seconds, SANDBOX_POLL_SECONDS),
            "feedback_poll_seconds": min(settings.feedback_poll_seconds, SANDBOX_POLL_SECONDS),
            "push_enabled": False,
        }
    )
    if urlsplit(derived.ozon_api_url).hostname != _LOOPBACK:
        raise SandboxError(
            f"the sandbox talks only to its Ozon stand-in on {_LOOPBACK}, "
            f"not to {derived.ozon_api_url}"
        )
    return derived


async def run_sandbox(
    settings: Settings,
    stop: asyncio.Event,
    *,
    run_bridge: BridgeRunner | None = None,
    buyers: int = 4,
    timings: Timings | None = None,
    seed: int | None = None,
    stand_in: OzonStandIn | None = None,
) -> None:
    """Run the bridge against the stand-in and simulated buyers until `stop` is set.

    `run_bridge` defaults to `bot.__main__.run_bridge`. `stand_in` (not started) replaces the
    built-in stand-in, for tests. The sandbox database starts empty on each run: the stand-in's
    chats live in memory and are gone with the process, so older records would only mislead."""
    runner = run_bridge if run_bridge is not None else _real_bridge()
    ozon = (
        stand_in
        if stand_in is not None
        else OzonStandIn(api_key=SANDBOX_API_KEY, seed=secrets.randbits(32))
    )
    async with AsyncExitStack() as stack:
        await ozon.start()
        stack.push_async_callback(ozon.close)
        derived = bridge_settings(settings, ozon)
        _remove_database(derived.database_path)
        simulation = BuyerSimulation(ozon, buyers=buyers, timings=timings, seed=seed)
        simulation.start()
        stack.push_async_callback(simulation.stop)
        log.info(
            "sandbox: Ozon stand-in on %s with %d simulated buyers, database %s, reply drafts %s",
            ozon.url,
            buyers,
            derived.database_path,
            f"by {derived.ai_model}" if derived.drafts_enabled else "off",
        )
        await runner(derived, stop, sandbox=True)


def _real_bridge() -> BridgeRunner:
    from bot.app.bridge import run_bridge  # noqa: PLC0415 - the sandbox is built around the bridge

    return run_bridge


def _remove_database(path: Path) -> None:
    """Delete the sandbox database and SQLite's side files of it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
