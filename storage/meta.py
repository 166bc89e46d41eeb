"""Facts about the database as a whole (which forum group it is bound to). The only writer of
`meta`."""

from __future__ import annotations

from storage.db import Database, Transaction


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


class MetaValues:
    """One named value of `meta`, read and written on its own (what the alerts told the group)."""

    def __init__(self, db: Database, key: str) -> None:
        self._db = db
        self._key = key
        self._meta = MetaRepository()

    async def get(self) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (self._key,))
        return None if row is None else str(row["value"])

    async def set(self, value: str) -> None:
        async with self._db.transaction() as tx:
            await self._meta.set(tx, self._key, value)
