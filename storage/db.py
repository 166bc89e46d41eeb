"""The SQLite database: one aiosqlite connection in WAL mode, numbered migrations, transactions.

One connection serves the whole process. aiosqlite runs its statements on a worker thread in order;
an asyncio lock keeps one transaction at a time so that statements of concurrent coroutines never
interleave inside another's transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.faults import StorageError, StorageWriteError
from storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]


# What the operator should do, by SQLite's primary result code (extended codes share the prefix).
_WRITE_FAILURES = {
    "SQLITE_FULL": "the disk or volume is full: free some space",
    "SQLITE_READONLY": "the file or its directory is read-only: let the bridge's user write it",
    "SQLITE_IOERR": "the disk reported an I/O error (or a file size limit): check the volume",
    "SQLITE_CANTOPEN": "the file cannot be opened for writing: check the volume and permissions",
    "SQLITE_BUSY": "another process holds the database: is a second bridge using the same file?",
    "SQLITE_LOCKED": "another process holds the database: is a second bridge using the same file?",
}


def _write_hint(exc: sqlite3.Error) -> str | None:
    name = getattr(exc, "sqlite_errorname", None) or ""
    return next((hint for code, hint in _WRITE_FAILURES.items() if name.startswith(code)), None)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime | None) -> str | None:
    """Store aware datetimes as ISO 8601 in UTC, so that text order is time order."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class Database:
    """An open database. Create with `await Database.open(path)`; close with `await db.close()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.write_problem: str | None = None
        """Why the last write failed, until one succeeds again (for /healthz and /status)."""
        self.forum_chat_id: int | None = None
        """The forum group whose Telegram ids this database is read for (`storage.forum`);
        None: not bound, every row is read as stored (tools and tests)."""

    @classmethod
    async def open(cls, path: Path) -> Database:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._configure()
            await db._migrate()
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StorageError(f"cannot prepare the database at {path}: {exc}") from exc
            raise
        return db

    async def _configure(self) -> None:
        mode = await self.fetch_value("PRAGMA journal_mode=WAL")
        if str(mode).lower() != "wal":
            log.warning("database journal mode is %s, not WAL", mode)
        # FULL: a committed row survives a crash of the process and of the machine.
        await self._conn.execute("PRAGMA synchronous=FULL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA busy_timeout=5000")

    async def _migrate(self) -> None:
        current = int(await self.fetch_value("PRAGMA user_version") or 0)
        if current > len(MIGRATIONS):
            raise StorageError(
                f"the database at {self.path} has schema version {current}, newer than this "
                f"bridge knows ({len(MIGRATIONS)}): run the newer version or restore a backup"
            )
        if current == len(MIGRATIONS):
            return
        # A migration may rebuild a table that others refer to: foreign keys are checked once
        # each migration is done rather than statement by statement (SQLite's own procedure).
        await self._conn.execute("PRAGMA foreign_keys=OFF")
        try:
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                log.info("migrating database schema to version %d", version)
                await self._run_migration(version, script)
        finally:
            await self._conn.execute("PRAGMA foreign_keys=ON")

    async def _run_migration(self, version: int, script: str) -> None:
        # user_version moves in the same transaction as the migration's statements.
        await self._conn.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={version};"
        )
        try:
            cursor = await self._conn.execute("PRAGMA foreign_key_check")
            broken = list(await cursor.fetchall())
            if broken:
                raise StorageError(
                    f"migrating the database at {self.path} to version {version} broke "
                    f"{len(broken)} reference(s), e.g. in table {broken[0][0]}: restore a backup"
                )
            await self._conn.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @property
    def schema_version(self) -> int:
        return len(MIGRATIONS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """`async with db.transaction() as tx:` runs statements atomically (BEGIN IMMEDIATE)."""
        async with self._lock:
            try:
                try:
                    # Inside: a cancellation landing just after BEGIN still rolls back.
                    await self._conn.execute("BEGIN IMMEDIATE")
                    yield Transaction(self._conn)
                    await self._conn.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            except sqlite3.Error as exc:
                hint = _write_hint(exc)
                if hint is None:
                    raise  # a bug in a statement, not the disk: let it show as one
                raise self._write_failed(exc, hint) from exc
            if self.write_problem is not None:
                log.warning("database %s: writes succeed again", self.path)
                self.write_problem = None

    async def _rollback(self) -> None:
        """Undo what is left of a transaction (SQLite may already have rolled a failed one back)."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    def _write_failed(self, exc: sqlite3.Error, hint: str) -> StorageWriteError:
        problem = f"cannot write the database at {self.path} ({exc}): {hint}"
        if problem != self.write_problem:
            log.error("%s; nothing is marked done until writes succeed again", problem)
        self.write_problem = problem
        return StorageWriteError(problem)

    @asynccontextmanager
    async def writing(self, tx: Transaction | None) -> AsyncIterator[Transaction]:
        """The given transaction (a write that is part of a larger one), or a new one."""
        if tx is not None:
            yield tx
            return
        async with self.transaction() as own:
            yield own

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the number of changed rows."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            return await cursor.fetchone()

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def ping(self) -> bool:
        """True while the database answers a query."""
        try:
            return bool(await self.fetch_value("SELECT 1") == 1)
        except (sqlite3.Error, ValueError):
            return False


class Transaction:
    """Statements inside `Database.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        cursor = await self._conn.execute(sql, params)
        return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        cursor = await self._conn.execute(sql, params)
        return list(await cursor.fetchall())


def state_in(states: tuple[StrEnum, ...], column: str = "state") -> str:
    """`state IN ('a', 'b')` with the values written out: SQLite uses a partial index only for
    a query whose text names the same states as the index (a bound parameter hides them)."""
    return f"{column} IN ({', '.join(repr(str(state)) for state in states)})"
