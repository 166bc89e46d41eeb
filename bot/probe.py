"""`python -m bot health`: ask the running bridge whether it is alive (the container's
HEALTHCHECK, every 30 s), or with `--ready` whether it is ready to do its work.

A probe must cost next to nothing: it imports only the standard library (no aiogram, pydantic or
httpx) and reads nothing but the port, from PUSH_PORT in the environment or in `.env`.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO

DEFAULT_PORT = 8080
TIMEOUT = 4.0


def port(environ: dict[str, str] | None = None, env_file: Path = Path(".env")) -> int:
    """PUSH_PORT as the bridge reads it: the environment first, then `.env`, then 8080."""
    value = (environ if environ is not None else dict(os.environ)).get("PUSH_PORT")
    if value is None and env_file.is_file():
        for line in env_file.read_text(encoding="utf-8", errors="replace").splitlines():
            key, sep, rest = line.strip().partition("=")
            if sep and key.strip().upper() == "PUSH_PORT":
                value = rest.split("#", 1)[0].strip().strip("'\"")
    try:
        return int(value) if value else DEFAULT_PORT
    except ValueError:
        return DEFAULT_PORT


def main(args: list[str], out: TextIO = sys.stdout) -> int:
    """0 when the bridge answers 200; 1 otherwise (with why, one line)."""
    path = "/readyz" if "--ready" in args else "/livez"
    url = f"http://127.0.0.1:{port()}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body = response.read().decode(errors="replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(errors="replace"), exc.code
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url} does not answer ({type(exc).__name__})", file=out)
        return 1
    print(f"{'healthy' if status == 200 else 'unhealthy'}: {body}", file=out)
    return 0 if status == 200 else 1
