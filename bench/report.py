"""The table: the machine it ran on, and the rows as Markdown."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def render(rows: Sequence[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| scenario | figure | value | goal / note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.scenario} | {r.figure} | {r.value} | {r.note} |" for r in rows]
    return "\n".join(lines)
