"""What the broadcasts need from storage (`storage.broadcasts`, `storage.recipients`), as
protocols, like `bot.core.stores`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.records import BroadcastRow, Progress
from bot.core.states import BroadcastState
from bot.core.stores import Tx


class BroadcastStore(Protocol):
    async def create(
        self,
        tx: Tx,
        *,
        admin_id: int,
        reply_chat_id: int,
        template: str,
        filters: dict[str, Any],
        total: int,
        left_out: dict[str, int],
    ) -> int: ...

    async def get(self, job_id: int) -> BroadcastRow | None: ...

    async def recent(self, limit: int = 10) -> list[BroadcastRow]: ...

    async def with_state(self, *states: BroadcastState) -> list[BroadcastRow]: ...

    async def transition(
        self, tx: Tx, job_id: int, old: BroadcastState, new: BroadcastState
    ) -> bool: ...

    async def set_message(self, job_id: int, column: str, message_id: int) -> None: ...

    async def mark_reported(self, job_id: int) -> None: ...


class RecipientStore(Protocol):
    async def add(self, tx: Tx, job_id: int, recipients: Sequence[tuple[str, str]]) -> None: ...

    async def samples(self, job_id: int, limit: int = 3) -> list[str]: ...

    async def next_pending(self, tx: Tx, job_id: int, limit: int) -> list[tuple[str, str]]: ...

    async def mark_queued(self, tx: Tx, job_id: int, chat_id: str, outbox_id: int) -> None: ...

    async def skip_pending(self, tx: Tx, job_id: int) -> None: ...

    async def progress(self, job_id: int) -> Progress: ...
