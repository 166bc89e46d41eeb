"""Facts about the database as a whole (which forum group it is bound to). The only writer of
`meta`."""

from __future__ import annotations

from storage.db import Transaction


class MetaRepository:
    async def get(self, tx: Transaction, key: str) -> str | None:
        row = await tx.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, tx: Transaction, key: str, value: str) -> None:
        await tx.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
