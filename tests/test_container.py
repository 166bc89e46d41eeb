"""The container, tested as far as a machine without a Docker engine allows: the Dockerfile is
parsed for what an operator relies on, and its own install steps run in a fresh virtualenv."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    result = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def values(keyword: str) -> list[str]:
    return [rest for key, rest in instructions() if key == keyword]


def test_dockerfile_promises() -> None:
    assert values("FROM") == ["python:3.11-slim-bookworm"], "a Debian release named on purpose"
    assert values("USER") == ["bridge"], "runs as a non-root user"
    assert json.loads(values("VOLUME")[0]) == ["/data"]
    env = " ".join(values("ENV"))
    assert "DATABASE_PATH=/data/bridge.sqlite3" in env
    assert values("EXPOSE") == ["8080"]
    (health,) = values("HEALTHCHECK")
    assert json.loads(health.split("CMD", 1)[1].strip()) == ["python", "-m", "bot", "health"]
    assert json.loads(values("CMD")[0]) == ["python", "-m", "bot"]
    # Dependencies are installed before the source is copied (their own layer).
    order = [key + " " + rest for key, rest in instructions()]
    first_pip = next(i for i, line in enumerate(order) if "pip install ." in line)
    copy_source = next(i for i, line in enumerate(order) if line.startswith("COPY bot"))
    assert first_pip < copy_source


def test_compose_example_keeps_the_data_and_restarts() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "env_file: .env" in compose
    assert "/data" in compose
    assert "restart: unless-stopped" in compose
    assert '"127.0.0.1:8080:8080"' in compose, "the port is published on this host only"


@pytest.mark.process
def test_dockerfile_install_steps_work_in_a_fresh_venv(tmp_path: Path) -> None:
    """Replay the Dockerfile's COPY and pip steps (not useradd/chown) and run `--help`."""
    app = tmp_path / "app"
    app.mkdir()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    for key, rest in instructions():
        if key == "COPY":
            *sources, _dest = rest.split()
            for source in sources:
                src = ROOT / source
                target = app / source
                if src.is_dir():
                    shutil.copytree(
                        src,
                        target,
                        ignore=shutil.ignore_patterns("__pycache__"),
                        dirs_exist_ok=True,
                    )
                else:
                    shutil.copy(src, target)
        if key == "RUN":
            for step in rest.split("&&"):
                words = shlex.split(step)
                if words[0] in ("mkdir", "touch", "rm") and "/data" not in words:
                    subprocess.run(words, cwd=app, check=True)
                elif words[0] == "pip":
                    subprocess.run(
                        [str(bin_dir / "python"), "-m", *words], cwd=app, check=True, timeout=600
                    )
    result = subprocess.run(
        [str(bin_dir / "python"), "-m", "bot", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "check" in result.stdout
    assert "push" in result.stdout
    # The console script is the same command line.
    script = subprocess.run(
        [str(bin_dir / "ozon-bridge"), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout == result.stdout
