"""Benchmark of the bridge against the loopback stand-ins: `python -m bench.run [--quick]`.

Each scenario starts `FakeOzon` and `FakeTelegram` on 127.0.0.1 (in this process) and a real
`python -m bot` process in a fresh directory with a fresh database, measures, and stops the bridge
with SIGTERM. Progress goes to stderr; the Markdown table goes to stdout.

Times are `time.monotonic()` in this process: the stand-ins record when a request reached them,
so a latency is "the moment the stand-in received the post / send" minus "the moment the message
was added (or the staff message queued)".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import FULL, QUICK, BenchError, Row, Sizes, log
from bench.report import machine, render
from bench.scenarios.broadcast import broadcast
from bench.scenarios.cpu import cpu
from bench.scenarios.drafts import drafts
from bench.scenarios.feedback import feedback
from bench.scenarios.flood import flood
from bench.scenarios.history import history
from bench.scenarios.icons import icons
from bench.scenarios.idle import idle_rows
from bench.scenarios.latency import latency
from bench.scenarios.probe import probe
from bench.scenarios.push_load import push_load
from bench.scenarios.replies import replies

# The scenarios live in `bench/scenarios/`, one module each; the stand-ins and the bridge process
# in `bench/stand.py`. This module chooses the scenarios, runs them in order and prints the table.

Scenario = Callable[[Sizes], Any]

SCENARIOS: dict[str, Scenario] = {
    "latency": lambda s: _chain(latency(s, push=False), latency(s, push=True)),
    "flood": lambda s: _chain(flood(s, chats=1), flood(s, chats=s.flood_chats)),
    "idle": idle_rows,
    "replies": replies,
    "broadcast": broadcast,
    "push": push_load,
    "cpu": cpu,
    "history": history,
    "icons": icons,
    "probe": probe,
    "drafts": drafts,
    "feedback": feedback,
}


async def _chain(*parts: Any) -> list[Row]:
    """Run scenario parts one after another (never side by side), keeping each one's rows."""
    rows: list[Row] = []
    for index, part in enumerate(parts):
        try:
            rows += await part
        except Exception as exc:
            for rest in parts[index + 1 :]:
                rest.close()
            raise BenchError(str(exc)) from exc
    return rows


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 3 minutes)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    names = args.only or list(SCENARIOS)
    rows: list[Row] = []
    began = time.monotonic()
    for name in names:
        log(f"scenario {name}")
        try:
            rows += await SCENARIOS[name](sizes)
        except Exception as exc:
            log(f"scenario {name} failed: {exc!r}")
            rows.append(Row(name, "FAILED", type(exc).__name__, str(exc)[:200]))
    mode = "quick" if args.quick else "full"
    header = (
        f"Benchmark ({mode} run, {time.monotonic() - began:.0f} s), `python -m bench.run"
        f"{' --quick' if args.quick else ''}` on {machine()}."
    )
    print(render(rows, header))
    return 1 if any(r.figure == "FAILED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
