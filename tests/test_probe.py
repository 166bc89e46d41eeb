"""The health probe the container runs every 30 s: `python -m bot health` asks /livez (alive: a
restart can fix what it finds), `--ready` asks /readyz; it imports no third-party library, and
/livez stays 200 while Ozon is down (readiness says so instead)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bot.probe import DEFAULT_PORT, port
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]


async def probe(*args: str, env_port: int) -> subprocess.CompletedProcess[str]:
    """The probe as a process (in a thread: the bridge under test runs in this event loop)."""
    return await asyncio.to_thread(_probe, *args, env_port=env_port)


def _probe(*args: str, env_port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT / "tests",
        env={"PATH": "/usr/bin:/bin", "PUSH_PORT": str(env_port)},
        check=False,
    )


def test_the_port_comes_from_the_environment_then_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert port({}, env_file) == DEFAULT_PORT
    env_file.write_text("# comment\nBOT_TOKEN=1:a\nPUSH_PORT = '9123'  # the bridge\n")
    assert port({}, env_file) == 9123
    assert port({"PUSH_PORT": "7000"}, env_file) == 7000
    assert port({"PUSH_PORT": "nonsense"}, env_file) == DEFAULT_PORT


def test_the_probe_imports_no_third_party_library() -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['bot', 'health']\n"
        "try:\n    runpy.run_module('bot', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('aiogram', 'pydantic', 'httpx', 'aiohttp', 'aiosqlite') "
        "if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "PUSH_PORT": str(free_port())},
        check=False,
    )
    assert "heavy: []" in result.stdout, result.stdout + result.stderr


async def test_alive_and_ready_as_ozon_comes_and_goes(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    port_ = free_port()
    async with (
        bridge(push_port=port_),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_}") as http,
    ):
        await wait_for(lambda: ozon.count("/v3/chat/list") >= 1, within=15)

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_for(ready, within=15, what="ready")
        alive = await probe(env_port=port_)
        assert alive.returncode == 0, alive.stdout
        assert '"status": "alive"' in alive.stdout
        assert (await probe("--ready", env_port=port_)).returncode == 0

        ozon.down = True  # Ozon gone: not ready, still alive (a restart would not help)

        async def not_ready() -> bool:
            return (await http.get("/readyz")).status_code == 503

        await wait_for(not_ready, within=30, what="/readyz 503")
        assert (await http.get("/healthz")).json()["status"] == "unavailable"
        assert (await http.get("/livez")).status_code == 200
        assert (await probe(env_port=port_)).returncode == 0
        unready = await probe("--ready", env_port=port_)
        assert unready.returncode == 1
        assert "unhealthy" in unready.stdout
    gone = await probe(env_port=port_)
    assert gone.returncode == 1
    assert "does not answer" in gone.stdout
