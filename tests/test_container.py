"""The container, tested as far as a machine without a Docker engine allows: the Dockerfile is
parsed for what an operator relies on, and its own install steps run in a fresh virtualenv. The
image and `.ci/run` install exact versions with hashes from the locks `scripts/lock` writes."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
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
    first_pip = next(i for i, line in enumerate(order) if "pip install" in line)
    copy_source = next(i for i, line in enumerate(order) if line.startswith("COPY bot"))
    assert first_pip < copy_source
    assert "requirements.lock" in order[first_pip]


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
            *sources, dest = rest.split()
            for source in sources:
                src = ROOT / source
                # A folder's contents go to the destination; a file goes into a destination
                # ending in `/` (or shared by several sources), else it is the file's new name.
                into = not src.is_dir() and (dest.endswith("/") or len(sources) > 1)
                target = app / dest / src.name if into else app / dest
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


# The locks: exact versions with hashes, installed by the image and by .ci/run.

NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
PIN = re.compile(
    rf"(?P<name>{NAME})==(?P<version>[^\s;]+)(?:\s*;\s*[^\s-][^\\]*?)?"
    r"(?P<hashes>(?:\s+--hash=sha256:[0-9a-f]{64})+)"
)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{normalised name: (version, hashes)}; fails on any entry that is not `name==version` with
    sha256 hashes (an option line such as `--find-links` or `-c` included)."""
    text = (ROOT / lock).read_text()
    result: dict[str, tuple[str, frozenset[str]]] = {}
    for raw in re.sub(r"\\\n", " ", text).splitlines():
        line = raw.partition("#")[0].strip()
        if not line:
            continue
        match = PIN.fullmatch(line)
        assert match, f"{lock}: not pinned with == and hashed: {line}"
        hashes = frozenset(match["hashes"].split())
        result[normalise(match["name"])] = (match["version"], hashes)
    return result


def required_names(*extras: str) -> set[str]:
    """The distributions pyproject.toml names: [project] dependencies, the given extras and the
    build backend ([build-system] requires)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        pyproject = tomllib.load(file)
    project = pyproject["project"]
    specs = list(project["dependencies"]) + list(pyproject["build-system"]["requires"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    names = set()
    for spec in specs:
        match = re.match(NAME, spec)
        assert match, spec
        names.add(normalise(match[0]))
    return names


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ()), ("requirements-test.lock", ("test",))]
)
def test_lock_pins_every_dependency_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    locked = pins(lock)
    missing = required_names(*extras) - locked.keys()
    assert not missing, f"{lock} lacks {sorted(missing)}: run scripts/lock"
    text = (ROOT / lock).read_text()
    # Written by scripts/lock against PyPI: no path or index of the machine that wrote it.
    assert "#    scripts/lock\n" in text, "the header names the command that regenerates it"
    assert "file://" not in text
    assert "--index-url" not in text
    assert "--find-links" not in text


def test_runtime_and_test_locks_agree() -> None:
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert runtime.keys() <= test.keys(), sorted(runtime.keys() - test.keys())
    differ = {name: (runtime[name], test[name]) for name in runtime if runtime[name] != test[name]}
    assert not differ, "the image and the tests would install different files: run scripts/lock"


def pip_installs(commands: list[str]) -> list[list[str]]:
    """The arguments of every `pip install` (or `python -m pip install`) in shell command lines."""
    result = []
    for command in commands:
        for step in re.split(r"&&|\|\||;", command):
            words = shlex.split(step, comments=True)
            for i, word in enumerate(words[1:], start=1):
                pip = words[i - 1]
                if word == "install" and (pip == "pip" or pip.endswith("/pip")):
                    result.append(words[i + 1 :])
    return result


def assert_installs_only_the_lock(installs: list[list[str]], lock: str, *, editable: bool) -> None:
    """The lock with --require-hashes first, then the project alone (--no-deps, built with the
    locked setuptools); nothing else but pip itself."""
    kinds = []
    for args in installs:
        flags, files, targets = set(), [], []
        words = iter(args)
        for word in words:
            if word in ("-r", "--requirement"):
                files.append(next(words))
            elif word in ("-e", "--editable"):
                flags.add("--editable")
                targets.append(next(words))
            elif word.startswith("-"):
                flags.add(word)
            else:
                targets.append(word)
        flags -= {"--quiet", "-q", "--no-cache-dir", "--disable-pip-version-check"}
        if files == [lock] and not targets:
            assert flags == {"--require-hashes"}, args
            kinds.append("lock")
        elif targets == ["."]:
            expected = {"--no-deps", "--no-build-isolation"}
            assert flags == (expected | {"--editable"} if editable else expected), args
            kinds.append("project")
        else:
            assert not files, args
            assert targets, args
            assert all(re.fullmatch(r"pip(==[\w.]+)?", target) for target in targets), args
            kinds.append("pip")
    assert [kind for kind in kinds if kind != "pip"] == ["lock", "project"], installs


def test_dockerfile_installs_from_the_lock() -> None:
    installs = pip_installs(values("RUN"))
    assert_installs_only_the_lock(installs, "requirements.lock", editable=False)
    order = [key + " " + rest for key, rest in instructions()]
    copy_lock = next(i for i, line in enumerate(order) if "requirements.lock" in line)
    assert order[copy_lock].startswith("COPY "), "the lock is copied before it is installed"


def test_ci_installs_from_the_test_lock() -> None:
    text = re.sub(r"\\\n", " ", (ROOT / ".ci" / "run").read_text())
    installs = pip_installs(text.splitlines())
    assert_installs_only_the_lock(installs, "requirements-test.lock", editable=True)
