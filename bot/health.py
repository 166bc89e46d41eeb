"""`python -m bot health`: ask the running bridge's /healthz (the container's HEALTHCHECK)."""

from __future__ import annotations

import sys
from typing import TextIO

import httpx

from bot.config import Settings


def run_health(settings: Settings, out: TextIO = sys.stdout) -> int:
    url = f"http://127.0.0.1:{settings.push_port}/healthz"
    try:
        response = httpx.get(url, timeout=4.0)
    except httpx.HTTPError as exc:
        print(f"unhealthy: {url} does not answer ({type(exc).__name__})", file=out)
        return 1
    print(f"{'healthy' if response.status_code == 200 else 'unhealthy'}: {response.text}", file=out)
    return 0 if response.status_code == 200 else 1
