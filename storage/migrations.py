"""The schema's migrations, one ordered list: the Nth is migration N, and `PRAGMA user_version`
holds how many have run. They are SQL, kept as SQL in `migrations.sql` beside this module (each
begins at its `-- migration N:` line); this module reads them once, in order, and refuses a file
whose numbers skip or repeat. Append new ones at the end; never edit one that has shipped.
"""

from __future__ import annotations

import re
from importlib.resources import files

_START = re.compile(r"^-- migration (\d+):", re.MULTILINE)


def read_migrations(text: str) -> tuple[str, ...]:
    """The scripts of `text`, migration 1 first; ValueError when the numbers are not 1, 2, ..."""
    starts = list(_START.finditer(text))
    numbers = [int(start.group(1)) for start in starts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, ... in order, not {numbers}")
    ends = [start.start() for start in starts[1:]] + [len(text)]
    return tuple(text[start.start() : end].strip() for start, end in zip(starts, ends, strict=True))


MIGRATIONS: tuple[str, ...] = read_migrations(
    files("storage").joinpath("migrations.sql").read_text(encoding="utf-8")
)
