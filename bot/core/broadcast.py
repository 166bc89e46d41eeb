"""Broadcasts: one message to a filtered set of buyer chats, previewed, confirmed, resumable.

`Broadcasts.prepare` parses `/broadcast [filters] text`, picks the chats, renders the text for
each and stores a job in `preview`. Nothing is sent before `confirm`. A running job hands its
recipients to the outbox at the broadcast rate (the outbox then applies the per-chat limit, the
Ozon limiter, reconciliation and echo linking, as for staff replies), so a restart resumes it and
no chat gets the message twice. The bridge's own broadcast messages come back in each chat's
history and are recognised as echoes: they are not posted into the topics one by one.
"""

from __future__ import annotations

import logging
import re
import string
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.core.ports import TelegramUnavailable
from bot.core.replies import OZON_TEXT_LIMIT
from bot.core.worker import Wakeable
from bot.ozon import ChatStatus
from storage.broadcasts import BroadcastRepository, BroadcastRow, Progress
from storage.chats import ChatRow
from storage.db import WRITE_RETRY_SECONDS, StorageError

log = logging.getLogger(__name__)

PREVIEW_TTL = timedelta(minutes=15)
REPLY_WINDOW = timedelta(hours=48)
PLACEHOLDERS = ("order_number", "sku", "chat_id")
_FILTER = re.compile(r"^(status=(opened|all)|days=\d{1,4}|unread=0|repeat)$")
_WORD = re.compile(r"\S+")


class BroadcastRefused(Exception):
    """The command cannot become a broadcast; the message says why (for the admin, in Russian)."""


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "opened"
    days: int | None = None
    unread_zero: bool = False
    repeat: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "days": self.days, "unread": self.unread_zero,
                "repeat": self.repeat}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Preview:
    job_id: int
    count: int
    samples: list[str]
    seconds: float
    left_out: dict[str, int] = field(default_factory=dict)


def parse_command(args: str) -> tuple[Filters, str]:
    """Leading `key=value` words are filters, whatever whitespace (a line break included)
    separates them; the rest is the text, with its own line breaks kept."""
    filters = Filters()
    for word in _WORD.finditer(args):
        if not _FILTER.match(word.group()):
            return filters, args[word.start() :].strip()
        key, _, value = word.group().partition("=")
        if key == "status":
            filters = replace(filters, status=value)
        elif key == "days":
            filters = replace(filters, days=int(value))
        elif key == "unread":
            filters = replace(filters, unread_zero=True)
        else:
            filters = replace(filters, repeat=True)
    return filters, ""


def template_fields(template: str) -> list[str]:
    """The placeholders a template uses; raises `BroadcastRefused` for a malformed template.
    A placeholder is a bare name in braces: `{order_number}`, nothing more inside."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise BroadcastRefused(
            "в тексте непарная фигурная скобка; чтобы написать саму скобку, удвойте её: {{ или }}"
        ) from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            written = "{" + name + ("!" + conversion if conversion else "")
            written += (":" + spec if spec else "") + "}"
            raise BroadcastRefused(
                f"подстановка {written} записана неверно: пишите имя в фигурных скобках без "
                "пробелов и знаков, например {order_number}"
            )
        names.append(name)
    return names


def render(template: str, chat: ChatRow) -> str | None:
    """The text for one chat; None when the chat lacks a value the template needs."""
    values = {"order_number": chat.order_number, "sku": chat.sku, "chat_id": chat.chat_id}
    needed = set(template_fields(template))
    if any(values.get(name) is None for name in needed):
        return None
    return template.format_map(values)


class Broadcasts:
    def __init__(
        self,
        repo: BroadcastRepository,
        *,
        per_second: float = 1.0,
        on_confirmed: Callable[[], None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = repo
        self._per_second = per_second
        self._on_confirmed = on_confirmed
        self._now = now

    async def prepare(self, admin_id: int, reply_chat_id: int, args: str) -> Preview:
        filters, template = parse_command(args)
        if not template:
            raise BroadcastRefused("нет текста рассылки")
        unknown = [name for name in template_fields(template) if name not in PLACEHOLDERS]
        if unknown:
            raise BroadcastRefused(
                "неизвестная подстановка {"
                + unknown[0]
                + "}; можно: "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            )
        recipients: list[tuple[str, str]] = []
        left_out: dict[str, int] = {}

        def leave(reason: str) -> None:
            left_out[reason] = left_out.get(reason, 0) + 1

        repeat = await self._repo.buyers_with_several_chats() if filters.repeat else set()
        now = self._now()
        for chat in await self._repo.candidates():
            if chat.chat_type not in ("BUYER_SELLER", "BUYER_SELLER_SELECT"):
                continue
            reason = self._excluded(chat, filters, repeat, now)
            if reason:
                leave(reason)
                continue
            text = render(template, chat)
            if text is None:
                leave("no_value")
                continue
            if not 1 <= len(text.strip()) <= OZON_TEXT_LIMIT:
                raise BroadcastRefused(
                    f"текст для чата {chat.chat_id[:8]} получается длиной {len(text)} символов, "
                    f"а Ozon принимает от 1 до {OZON_TEXT_LIMIT}"
                )
            recipients.append((chat.chat_id, text))
        job_id = await self._repo.create(
            admin_id=admin_id,
            reply_chat_id=reply_chat_id,
            template=template,
            filters=filters.as_dict(),
            recipients=recipients,
            left_out=left_out,
        )
        log.info("broadcast %s: previewed for %d chat(s) by %s", job_id, len(recipients), admin_id)
        return Preview(
            job_id=job_id,
            count=len(recipients),
            samples=await self._repo.samples(job_id),
            seconds=len(recipients) / self._per_second,
            left_out=left_out,
        )

    @staticmethod
    def _excluded(chat: ChatRow, filters: Filters, repeat: set[str], now: datetime) -> str | None:
        """Why a chat is left out (a key of `texts.BROADCAST_LEFT_OUT`), or None."""
        if filters.status == "opened" and chat.status != str(ChatStatus.OPENED):
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

    async def confirm(self, job_id: int, user_id: int) -> BroadcastRow:
        job = await self._owned(job_id, user_id)
        if self._now() - job.created_at > PREVIEW_TTL:
            await self._repo.transition(job_id, "preview", "expired")
            raise BroadcastRefused("предпросмотр устарел (15 минут): отправьте команду заново")
        if not await self._repo.transition(job_id, "preview", "running"):
            raise BroadcastRefused("эта рассылка уже подтверждена или отменена")
        log.info("broadcast %s: confirmed by %s", job_id, user_id)
        self._on_confirmed()
        return await self._reload(job_id)

    async def cancel(self, job_id: int, user_id: int) -> BroadcastRow:
        await self._owned(job_id, user_id)
        if not (
            await self._repo.transition(job_id, "preview", "cancelled")
            or await self._repo.transition(job_id, "running", "cancelled")
        ):
            raise BroadcastRefused("эта рассылка уже закончена")
        log.info("broadcast %s: cancelled by %s", job_id, user_id)
        return await self._reload(job_id)

    async def owner(self, job_id: int) -> int | None:
        """Who started a job (None when there is no such job)."""
        job = await self._repo.get(job_id)
        return None if job is None else job.admin_id

    async def _reload(self, job_id: int) -> BroadcastRow:
        job = await self._repo.get(job_id)
        assert job is not None
        return job

    async def remember_preview(self, job_id: int, message_id: int) -> None:
        await self._repo.set_message(job_id, "preview_message_id", message_id)

    async def remember_progress(self, job_id: int, message_id: int) -> None:
        await self._repo.set_message(job_id, "progress_message_id", message_id)

    async def _owned(self, job_id: int, user_id: int) -> BroadcastRow:
        job = await self._repo.get(job_id)
        if job is None:
            raise BroadcastRefused("рассылка не найдена")
        if job.admin_id != user_id:
            raise BroadcastRefused("кнопки этой рассылки — только для того, кто её начал")
        return job


ProgressCallback = Callable[[BroadcastRow, Progress, bool], Awaitable[None]]


class BroadcastWorker(Wakeable):
    """Feeds running jobs into the outbox at the broadcast rate and reports progress."""

    def __init__(
        self,
        repo: BroadcastRepository,
        *,
        on_queued: Callable[[], None],
        on_progress: ProgressCallback,
        per_second: float = 1.0,
        max_in_outbox: int = 3,
        progress_every: float = 5.0,
    ) -> None:
        self._repo = repo
        self._on_queued = on_queued
        self._on_progress = on_progress
        self._interval = 1.0 / per_second
        self._max_in_outbox = max_in_outbox
        self._progress_every = progress_every
        self._last_progress: dict[int, tuple[float, Progress]] = {}
        self._next_at = 0.0  # when the next recipient is due (a steady cadence, not a pause)
        super().__init__()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                busy = await self.step()
            except StorageError as exc:
                log.warning("broadcast: paused, the database refuses writes: %s", exc)
                busy, self._next_at = True, time.monotonic() + WRITE_RETRY_SECONDS
            except Exception:
                log.exception("broadcast: unexpected error, trying again shortly")
                busy = False
            if self._stopping:
                return
            # While busy, look again when the next recipient is due (at least every 50 ms).
            await self._sleep(max(0.05, self._next_at - time.monotonic()) if busy else 30.0)

    async def step(self) -> bool:
        """Queue the next recipient of the oldest running job; report progress. True while busy."""
        for job in await self._repo.with_state("preview"):
            if datetime.now(UTC) - job.created_at > PREVIEW_TTL:
                await self._repo.transition(job.id, "preview", "expired")
        running = await self._repo.with_state("running")
        room = bool(running) and await self._repo.open_in_outbox() < self._max_in_outbox
        now = time.monotonic()
        if room and now >= self._next_at and await self._repo.queue_next(running[0].id, 1):
            self._next_at = max(self._next_at, now - self._interval) + self._interval
            self._on_queued()
        for job in running:
            progress = await self._repo.progress(job.id)
            if progress.finished and await self._repo.transition(job.id, "running", "done"):
                log.info("broadcast %s: done, %d delivered", job.id, progress.delivered)
            else:
                await self._report(job, progress, final=False)
        for job in await self._repo.recent(20):
            if job.state in ("done", "cancelled") and not job.reported:
                progress = await self._repo.progress(job.id)
                if progress.in_flight == 0:  # a cancelled job's last sends settle first
                    await self._report(job, progress, final=True)
        return bool(running)

    async def _report(self, job: BroadcastRow, progress: Progress, *, final: bool) -> None:
        last = self._last_progress.get(job.id)
        now = time.monotonic()
        if not final and last and (now - last[0] < self._progress_every or last[1] == progress):
            return
        try:
            await self._on_progress(job, progress, final)
        except TelegramUnavailable as exc:
            # Sending goes on; the progress line (or the report, not yet marked) comes later.
            log.warning("broadcast %s: progress waits for Telegram: %s", job.id, exc)
            return
        self._last_progress[job.id] = (now, progress)
        if final:
            await self._repo.mark_reported(job.id)
            self._last_progress.pop(job.id, None)
