"""A real `python -m bot` process for tests where restarts matter."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for a bridge's PUSH_PORT)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BridgeProcess:
    """Starts the bridge as a child process and keeps its log lines."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self._cwd = cwd
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self.lines: list[str] = []

    async def start(self, *args: str) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env=self._env,
            cwd=self._cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._proc is not None
        assert self._proc.stdout is not None
        async for raw in self._proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def signal(self, signum: int) -> None:
        assert self._proc is not None
        self._proc.send_signal(signum)

    async def wait(self, within: float = 15.0) -> int:
        """The exit code; fails the test if the process has not exited in time."""
        assert self._proc is not None
        try:
            code = await asyncio.wait_for(self._proc.wait(), timeout=within)
        except TimeoutError:
            raise AssertionError(f"bridge did not exit within {within}s:\n{self.output}") from None
        if self._reader is not None:
            await self._reader
        return code

    async def stop(self) -> int:
        """SIGTERM and wait; kills it if it hangs (and fails the test)."""
        if self._proc is None:
            return 0
        if self._proc.returncode is not None:
            return self._proc.returncode
        self.signal(signal.SIGTERM)
        try:
            return await self.wait(10.0)
        except AssertionError:
            self._proc.kill()
            raise
