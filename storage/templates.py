"""Quick-reply templates, by name. The only writer of `templates`.

Names are kept case-folded (`Спасибо` and `спасибо` are one template)."""

from __future__ import annotations

from bot.core.records import TemplateRow
from storage.db import Database, from_db_time, to_db_time, utcnow


class TemplateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, name: str, body: str, author_id: int | None) -> bool:
        """Add or replace a template; True when it replaced one."""
        key = name.casefold()
        async with self._db.transaction() as tx:
            existed = await tx.fetch_one("SELECT 1 FROM templates WHERE name = ?", (key,))
            await tx.execute(
                "INSERT INTO templates (name, body, author_id, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET body = excluded.body, "
                "author_id = excluded.author_id, updated_at = excluded.updated_at",
                (key, body, author_id, to_db_time(utcnow())),
            )
        return existed is not None

    async def get(self, name: str) -> TemplateRow | None:
        row = await self._db.fetch_one("SELECT * FROM templates WHERE name = ?", (name.casefold(),))
        return None if row is None else _template(row["name"], row["body"], row["updated_at"])

    async def all(self) -> list[TemplateRow]:
        rows = await self._db.fetch_all("SELECT * FROM templates ORDER BY name")
        return [_template(row["name"], row["body"], row["updated_at"]) for row in rows]

    async def delete(self, name: str) -> bool:
        return (
            await self._db.execute("DELETE FROM templates WHERE name = ?", (name.casefold(),)) > 0
        )


def _template(name: str, body: str, updated_at: str) -> TemplateRow:
    updated = from_db_time(updated_at)
    assert updated is not None
    return TemplateRow(name, body, updated)
