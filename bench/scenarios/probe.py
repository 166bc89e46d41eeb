"""Scenario 10: the container's health probe, `python -m bot health`, run every 30 s: its time
and its memory, against a running bridge."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row, Sizes, log, ms, percentile
from bench.stand import stand
from tests.process import free_port

PROBES = 20


TIME = Path("/usr/bin/time")
_HAS_TIME = TIME.exists()


def _probe(port: int) -> tuple[float, int, int]:
    """One probe as a process: wall seconds, peak RSS in bytes, exit code.

    The peak is measured by GNU time, whose own child starts small: a process this benchmark
    started directly would carry this process's high-water mark into its own (the kernel keeps
    it across exec)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PUSH_PORT": str(port)}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    began = time.monotonic()
    result = subprocess.run(
        [str(TIME), "-f", "%M", sys.executable, "-m", "bot", "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    wall = time.monotonic() - began
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return wall, peak_kib * 1024, result.returncode


async def probe(sizes: Sizes) -> list[Row]:
    if not _HAS_TIME:
        return [Row("10. health probe", "skipped", "-", "needs GNU time at /usr/bin/time")]
    async with stand("probe") as st:
        port = free_port()
        await st.start(PUSH_PORT=port, POLL_INTERVAL_SECONDS=1)
        await st.ready()
        runs = [await asyncio.to_thread(_probe, port) for _ in range(PROBES)]
    seconds = [wall for wall, _, _ in runs]
    peak = max(rss for _, rss, _ in runs)
    failed = sum(code != 0 for _, _, code in runs)
    log(f"probe: p50 {ms(percentile(seconds, 50))}, peak {peak / 2**20:.0f} MiB")
    scenario = f"10. health probe `python -m bot health` (n={PROBES})"
    return [
        Row(
            scenario,
            "time p50 / p99",
            f"{ms(percentile(seconds, 50))} / {ms(percentile(seconds, 99))}",
            "goal under 0.3 s; a process started, /livez asked, answer read (GNU time's "
            "own start included)",
        ),
        Row(scenario, "peak RSS", f"{peak / 2**20:.1f} MiB", f"goal under 40 MiB; {failed} failed"),
        *[Row(scenario, "note", n) for n in st.notes],
    ]
