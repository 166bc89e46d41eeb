"""Units of work: writes to several stores that commit together, or not at all.

A room that must change two tables atomically (messages with their chat's cursor, a recipient
with its outbox row) opens a transaction here and hands it to each store's write; the stores'
protocols take it as `tx` and the rooms never look into it.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Tx = Any
"""A unit of work's transaction, as storage gives it: passed back, never looked into."""


class Transactions(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """Writes made with the transaction commit together, or not at all."""
        ...
