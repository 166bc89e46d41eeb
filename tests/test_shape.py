"""The shape the code keeps: no module of `bot/` or `storage/` grows past 300 lines, so that each
stays readable in one sitting (split by concern when one would)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 300


def test_no_module_is_longer_than_300_lines() -> None:
    modules = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "storage").rglob("*.py"))
    assert len(modules) > 50
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}
