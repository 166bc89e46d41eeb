"""Broadcasts: one message to a filtered set of buyer chats, previewed, confirmed, resumable.

`Broadcasts.prepare` parses `/broadcast [filters] text` (`bot.core.broadcast.command`), picks the
chats, renders the text for each and stores a job in `preview` with its recipients, in one unit of
work. Nothing is sent before `confirm`. A running job hands its recipients to the outbox at the
broadcast rate, each in the same transaction as its recipient row changes (the outbox then applies
the per-chat limit, the Ozon limiter, reconciliation and echo linking, as for staff replies), so a
restart resumes it and no chat gets the message twice. The bridge's own broadcast messages come
back in each chat's history and are recognised as echoes: they are not posted into the topics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.core.broadcast.command import (
    BroadcastRefused,
    Filters,
    Preview,
    Refusal,
    check_template,
    parse_command,
    render,
)
from bot.core.records import BroadcastRow, ChatRow
from bot.core.replies.intake import OZON_TEXT_LIMIT
from bot.core.states import BroadcastState, ChatStatus
from bot.core.units import Transactions, Tx

log = logging.getLogger(__name__)

PREVIEW_TTL = timedelta(minutes=15)
REPLY_WINDOW = timedelta(hours=48)
BUYER_CHATS = ("BUYER_SELLER", "BUYER_SELLER_SELECT")

BroadcastJob = BroadcastRow
"""A job as storage keeps it (plain values): the core passes it on as it is."""


class JobBook(Protocol):
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
    ) -> int:
        """A job in preview; its id."""
        ...

    async def get(self, job_id: int) -> BroadcastRow | None: ...

    async def recent(self, limit: int = 10) -> list[BroadcastRow]: ...

    async def set_message(self, job_id: int, column: str, message_id: int) -> None:
        """Remember the preview's or the progress line's message."""
        ...


class JobStates(Protocol):
    async def transition(
        self, tx: Tx, job_id: int, old: BroadcastState, new: BroadcastState
    ) -> bool:
        """Move the job from `old` to `new`; False when it was not in `old` any more."""
        ...


class Jobs(JobBook, JobStates, Protocol):
    """The broadcasts' table, as `/broadcast` and its buttons use it."""


class RecipientSkips(Protocol):
    async def skip_pending(self, tx: Tx, job_id: int) -> None:
        """Recipients not handed to the outbox yet are skipped."""
        ...


class PreviewRecipients(RecipientSkips, Protocol):
    async def add(self, tx: Tx, job_id: int, recipients: Sequence[tuple[str, str]]) -> None:
        """The job's recipients (chat id, the text for it)."""
        ...

    async def samples(self, job_id: int, limit: int = 3) -> list[str]: ...


class BroadcastCancels(Protocol):
    async def cancel_broadcast(self, tx: Tx, broadcast_id: int) -> None:
        """What the outbox has not sent yet of the job is not sent at all."""
        ...


class BroadcastChats(Protocol):
    async def all(self) -> list[ChatRow]: ...

    async def buyers_with_several_chats(self) -> set[str]:
        """Ozon user ids of buyers seen in more than one chat."""
        ...


class Broadcasts:
    def __init__(
        self,
        db: Transactions,
        jobs: Jobs,
        recipients: PreviewRecipients,
        chats: BroadcastChats,
        outbox: BroadcastCancels,
        *,
        per_second: float = 1.0,
        on_confirmed: Callable[[], None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._jobs = jobs
        self._recipients = recipients
        self._chats = chats
        self._outbox = outbox
        self._per_second = per_second
        self._on_confirmed = on_confirmed
        self._now = now

    async def prepare(self, admin_id: int, reply_chat_id: int, args: str) -> Preview:
        filters, template = parse_command(args)
        check_template(template)
        recipients: list[tuple[str, str]] = []
        left_out: dict[str, int] = {}
        repeat = await self._chats.buyers_with_several_chats() if filters.repeat else set()
        now = self._now()
        for chat in await self._chats.all():
            if chat.chat_type not in BUYER_CHATS:
                continue
            reason = _excluded(chat, filters, repeat, now)
            text = None if reason else render(template, chat)
            if reason or text is None:
                reason = reason or "no_value"
                left_out[reason] = left_out.get(reason, 0) + 1
                continue
            if not 1 <= len(text.strip()) <= OZON_TEXT_LIMIT:
                raise BroadcastRefused(
                    Refusal.TEXT_LENGTH,
                    chat=chat.chat_id[:8],
                    length=len(text),
                    limit=OZON_TEXT_LIMIT,
                )
            recipients.append((chat.chat_id, text))
        async with self._db.transaction() as tx:
            job_id = await self._jobs.create(
                tx,
                admin_id=admin_id,
                reply_chat_id=reply_chat_id,
                template=template,
                filters=filters.as_dict(),
                total=len(recipients),
                left_out=left_out,
            )
            await self._recipients.add(tx, job_id, recipients)
        log.info("broadcast %s: previewed for %d chat(s) by %s", job_id, len(recipients), admin_id)
        return Preview(
            job_id=job_id,
            count=len(recipients),
            samples=await self._recipients.samples(job_id),
            seconds=len(recipients) / self._per_second,
            left_out=left_out,
        )

    async def confirm(self, job_id: int, user_id: int) -> BroadcastJob:
        job = await self._owned(job_id, user_id)
        if self._now() - job.created_at > PREVIEW_TTL:
            await self.end(job_id, BroadcastState.PREVIEW, BroadcastState.EXPIRED)
            raise BroadcastRefused(Refusal.PREVIEW_EXPIRED)
        if not await self._move(job_id, BroadcastState.PREVIEW, BroadcastState.RUNNING):
            raise BroadcastRefused(Refusal.ALREADY_DECIDED)
        log.info("broadcast %s: confirmed by %s", job_id, user_id)
        self._on_confirmed()
        return await self._reload(job_id)

    async def cancel(self, job_id: int, user_id: int) -> BroadcastJob:
        await self._owned(job_id, user_id)
        if not (
            await self.end(job_id, BroadcastState.PREVIEW, BroadcastState.CANCELLED)
            or await self.end(job_id, BroadcastState.RUNNING, BroadcastState.CANCELLED)
        ):
            raise BroadcastRefused(Refusal.ALREADY_FINISHED)
        log.info("broadcast %s: cancelled by %s", job_id, user_id)
        return await self._reload(job_id)

    async def end(self, job_id: int, old: BroadcastState, new: BroadcastState) -> bool:
        return await end_job(self._db, self._jobs, self._recipients, self._outbox, job_id, old, new)

    async def _move(self, job_id: int, old: BroadcastState, new: BroadcastState) -> bool:
        async with self._db.transaction() as tx:
            return await self._jobs.transition(tx, job_id, old, new)

    async def owner(self, job_id: int) -> int | None:
        """Who started a job (None when there is no such job)."""
        job = await self._jobs.get(job_id)
        return None if job is None else job.admin_id

    async def recent(self, limit: int = 10) -> list[BroadcastJob]:
        return await self._jobs.recent(limit)

    async def remember_preview(self, job_id: int, message_id: int) -> None:
        await self._jobs.set_message(job_id, "preview_message_id", message_id)

    async def remember_progress(self, job_id: int, message_id: int) -> None:
        await self._jobs.set_message(job_id, "progress_message_id", message_id)

    async def _reload(self, job_id: int) -> BroadcastJob:
        job = await self._jobs.get(job_id)
        assert job is not None
        return job

    async def _owned(self, job_id: int, user_id: int) -> BroadcastJob:
        job = await self._jobs.get(job_id)
        if job is None:
            raise BroadcastRefused(Refusal.NOT_FOUND)
        if job.admin_id != user_id:
            raise BroadcastRefused(Refusal.NOT_YOURS)
        return job


def _excluded(chat: ChatRow, filters: Filters, repeat: set[str], now: datetime) -> str | None:
    """Why a chat is left out (a reason the preview names), or None."""
    if filters.status == "opened" and chat.status != ChatStatus.OPENED:
        return "closed"
    if filters.unread_zero and chat.unread_count:
        return "unread"
    if filters.repeat and chat.buyer_id not in repeat:
        return "not_repeat"
    if filters.days is not None and (
        chat.last_buyer_at is None or now - chat.last_buyer_at > timedelta(days=filters.days)
    ):
        return "not_recent"
    # Ozon refuses messages outside the reply window: do not end in a wall of refusals.
    if chat.last_buyer_at is None or now - chat.last_buyer_at > REPLY_WINDOW:
        return "window_closed"
    return None


async def end_job(
    db: Transactions,
    jobs: JobStates,
    recipients: RecipientSkips,
    outbox: BroadcastCancels,
    job_id: int,
    old: BroadcastState,
    new: BroadcastState,
) -> bool:
    """End a job (done, cancelled, expired) in one unit of work: recipients not reached yet are
    skipped, and what the outbox has not sent yet is not sent at all. False if the job was not in
    `old` any more."""
    async with db.transaction() as tx:
        if not await jobs.transition(tx, job_id, old, new):
            return False
        await recipients.skip_pending(tx, job_id)
        await outbox.cancel_broadcast(tx, job_id)
    return True
