"""The shape the code keeps: no module of `bot/` or `storage/` grows past 500 lines, so that
each stays readable in a sitting. Modules are split by concern, where a reader would look for
the part, never to meet a count; what keeps functions simple is ruff's complexity rule (C90,
at most 12, in pyproject.toml), which `ruff check` runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 500


def test_no_module_is_longer_than_500_lines() -> None:
    modules = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "storage").rglob("*.py"))
    assert len(modules) > 50
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}


def test_ruff_measures_complexity_at_12() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]
    assert "C90" in lint["lint"]["select"]
    assert lint["lint"]["mccabe"]["max-complexity"] == 12


def test_test_doubles_are_complete_not_forced() -> None:
    """A double that fits its role protocol needs no `type: ignore[arg-type]` to be passed in:
    one that does is a partial fake, or a role grown too wide to fake."""
    forced = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore[arg-type]" in line and path.name != "test_shape.py"
    ]
    assert forced == []
