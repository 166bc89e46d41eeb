"""Telegram -> Ozon, delivery: the exactly-once outbox, top to bottom.

A staff reply (or a broadcast's message) is an outbox row before any request to Ozon. Rows go
strictly in order per chat, at most `per_chat_per_minute` sends a minute per chat, under the Ozon
client's global limiter. Neither Ozon nor Telegram takes an idempotency key, so:

1. Before a send the row becomes `sending` (committed). A row found `sending` later (a crash, an
   answer that never came, a 5xx) may have reached Ozon: it is reconciled first. Its
   destination is read again (a buyer chat's history), and the bridge's own copy found there,
   linked to the row, proves delivery (`Destination.echo_of`, `bot.core.replies.destinations`).
   Only when it is not there is the row sent again.
2. What happens next is decided by the pure transitions below, from the row and what the
   attempt showed: `Deliver`, `Postpone` (queued again when the row surely did not reach Ozon,
   still `sending` when it may have), `GiveUp` (a refusal, or attempts run out), or `Send`.
   Attempts are counted there and nowhere else: every send begun, and every failure before a
   send (a file that could not be downloaded, a reconciliation Ozon did not answer).
3. A row whose last send may have arrived is never given up without one more look at Ozon's
   history; a row given up as unreachable that turns up there later is delivered after all.
   Where Ozon cannot tell (a review's comment or a question's answer held in moderation), the
   row is given up as unconfirmed rather than sent a second time.

Staff see the outcome through `bot.core.replies.outcomes`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.faults import FileUnavailable, ShuttingDown, StorageError, TelegramUnavailable
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.records import OutboxRow
from bot.core.replies.destinations import Destination, Unconfirmed
from bot.core.replies.files import detect_file_type
from bot.core.replies.refusals import Failure, classify_refusal
from bot.core.states import FailureReason, OutboxKind, OutboxState, OutboxTarget
from bot.core.worker import Clock, Worker
from bot.ozon.errors import OzonError, OzonRateLimited, OzonTransportError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SETTLE = timedelta(seconds=3)
"""How long after an unsure send Ozon's history is trusted to show the message."""
BASE_DELAY = 2.0
MAX_DELAY = 300.0
MAX_FILE_BYTES = 10 * 1024 * 1024


# ---- the transitions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deliver:
    echo: str | None = None
    """The row's copy in Ozon's history, when that is what proved it."""


@dataclass(frozen=True, slots=True)
class Postpone:
    state: OutboxState
    """`queued`: it surely did not reach Ozon. `sending`: it may have; reconcile first."""
    attempts: int
    delay: timedelta
    detail: str


@dataclass(frozen=True, slots=True)
class GiveUp:
    failure: Failure


@dataclass(frozen=True, slots=True)
class Send:
    attempts: int
    """The row's attempts once this send has begun."""


Step = Deliver | Postpone | GiveUp | Send


def retry_or_give_up(row: OutboxRow, detail: str, *, unsure: bool, sent: bool) -> Step:
    """After a failed attempt (`row` as read before it): try again later, or give up once
    attempts run out. The attempt counts: a send begun (`sent`), or a failure before any send.
    `unsure`: the row may have reached Ozon."""
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        if unsure and sent:
            # The last send may have arrived: one more look at the history decides.
            return Postpone(OutboxState.SENDING, attempts, SETTLE, detail)
        return GiveUp(Failure(FailureReason.UNAVAILABLE, detail, retriable=True))
    delay = timedelta(seconds=min(BASE_DELAY * 2 ** (attempts - 1), MAX_DELAY))
    if unsure:
        return Postpone(OutboxState.SENDING, attempts, max(delay, SETTLE), detail)
    return Postpone(OutboxState.QUEUED, attempts, delay, detail)


def after_reconciliation(row: OutboxRow, echo: str | None) -> Step:
    """A row that may have reached Ozon, once its chat's history was read again."""
    if echo is not None:
        return Deliver(echo)
    if row.attempts >= MAX_ATTEMPTS:
        # The last try is known not to have arrived: now it can be given up.
        return GiveUp(Failure(FailureReason.UNAVAILABLE, row.detail or "", retriable=True))
    return Send(row.attempts + 1)


def after_send(row: OutboxRow, error: OzonError | None) -> Step:
    """After a send (`row` as read before the send began)."""
    if error is None:
        return Deliver()
    if error.outcome_unknown:
        # It may have arrived: the history is read before any new attempt.
        return retry_or_give_up(row, str(error), unsure=True, sent=True)
    if isinstance(error, OzonRateLimited | OzonTransportError):
        return retry_or_give_up(row, str(error), unsure=False, sent=True)
    return GiveUp(classify_refusal(error))


# ---- the worker -------------------------------------------------------------------------------


class StaffFiles(Protocol):
    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """A file staff sent; raises `FileUnavailable`."""
        ...


class OutboxQueue(Protocol):
    async def heads(self) -> list[OutboxRow]:
        """Each chat's first row not final yet, oldest chat first."""
        ...

    async def get(self, row_id: int) -> OutboxRow | None: ...

    async def begin_send(self, row_id: int, *, attempts: int, settle: timedelta) -> bool:
        """The row is `sending` from now (committed); False: it was cancelled meanwhile."""
        ...


class OutboxOutcomes(Protocol):
    async def postpone(
        self, row_id: int, state: OutboxState, *, attempts: int, delay: timedelta, detail: str
    ) -> None: ...

    async def give_up(
        self, row: OutboxRow, reason: FailureReason, detail: str, *, retriable: bool
    ) -> None: ...


class Delivery(Protocol):
    """Marks a row delivered, with whatever else Ozon taking it means (the chat is answered)."""

    async def delivered(self, row: OutboxRow, echo: str | None) -> None: ...


class Outbox(OutboxQueue, OutboxOutcomes, Protocol):
    """The rows the sender moves: taken in order, then postponed or given up."""


class OutboxSender(Worker):
    name = "outbox"

    def __init__(
        self,
        outbox: Outbox,
        destination: Destination,
        telegram: StaffFiles,
        delivery: Delivery,
        *,
        on_finished: Callable[[], None],
        per_chat_per_minute: int = 10,
        idle_wait: float = 30.0,
        clock: Clock | None = None,
        meter: Meter | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._meter = meter or Meter()
        self._outbox = outbox
        self._destination = destination
        self._telegram = telegram
        self._on_finished = on_finished
        self._delivery = delivery
        self._per_chat = per_chat_per_minute
        self._idle_wait = idle_wait
        self._sent: dict[str, deque[float]] = {}

    async def step(self) -> float | None:
        """Every chat's next row that is due; returns how long to wait for the next."""
        wait = self._idle_wait
        now = datetime.now(UTC)
        for row in await self._outbox.heads():
            if self.stopping:
                break
            if row.not_before is not None and row.not_before > now:
                wait = min(wait, (row.not_before - now).total_seconds())
                continue
            budget_wait = self._chat_budget_wait(row.lane)
            if budget_wait > 0:
                wait = min(wait, budget_wait)
                continue
            try:
                await self._process(row)
            except (ShuttingDown, TelegramUnavailable, StorageError):
                raise  # not this row's problem: the worker waits
            except Exception as exc:  # one odd row must not stop the others
                log.error("chat %s: outbox %s: unexpected error", row.lane, row.id, exc_info=exc)
                fresh = await self._outbox.get(row.id) or row
                unsure = fresh.state == OutboxState.SENDING
                detail = f"unexpected: {exc!r}"
                await self._apply(fresh, retry_or_give_up(fresh, detail, unsure=unsure, sent=False))
            wait = 0  # look again at once: the chat may have more
        return max(wait, 0.0)

    def _chat_budget_wait(self, chat_id: str) -> float:
        sent = self._sent.setdefault(chat_id, deque())
        now = self._clock.monotonic()
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if not sent:
            del self._sent[chat_id]
            return 0.0
        return sent[0] + 60 - now if len(sent) >= self._per_chat else 0.0

    async def _process(self, row: OutboxRow) -> None:
        if row.state == OutboxState.SENDING:
            step = await self._reconcile(row)
            if not isinstance(step, Send):
                await self._apply(row, step)
                return
        try:
            payload = await self._payload(row)
        except FileUnavailable as exc:
            # A row sent before stays `sending`: a late echo is still looked for first.
            unsure = row.state == OutboxState.SENDING
            step = retry_or_give_up(row, f"telegram: {exc}", unsure=unsure, sent=False)
            await self._apply(row, step)
            return
        except _Refused as refused:
            await self._apply(row, GiveUp(refused.failure))
            return
        if not await self._outbox.begin_send(row.id, attempts=row.attempts + 1, settle=SETTLE):
            log.info("chat %s: outbox %s was cancelled before its send", row.lane, row.id)
            return
        self._sent.setdefault(row.lane, deque()).append(self._clock.monotonic())
        error: OzonError | None = None
        try:
            await self._destination.send(row, payload)
        except OzonError as exc:
            error = exc
        await self._apply(row, after_send(row, error))

    async def _reconcile(self, row: OutboxRow) -> Step:
        try:
            echo = await self._destination.echo_of(row)
        except OzonError as exc:
            return retry_or_give_up(row, f"reconciling: {exc}", unsure=True, sent=False)
        except Unconfirmed as exc:
            # Never sent twice on a guess: staff look in Ozon and may press «Повторить».
            return GiveUp(Failure(FailureReason.UNCONFIRMED, str(exc), retriable=True))
        step = after_reconciliation(row, echo)
        if isinstance(step, Send):
            log.info("chat %s: outbox %s is not in Ozon's history: sending", row.lane, row.id)
        return step

    async def _payload(self, row: OutboxRow) -> str | bytes:
        if row.kind == OutboxKind.TEXT:
            assert row.body is not None
            return row.body
        assert row.file_id is not None
        data = await self._telegram.download(row.file_id, MAX_FILE_BYTES)
        if len(data) > MAX_FILE_BYTES:
            raise _Refused(Failure(FailureReason.FILE_TOO_LARGE, "", retriable=False))
        if detect_file_type(data) is None:
            raise _Refused(Failure(FailureReason.FILE_WRONG_TYPE, "", retriable=False))
        return data

    async def _apply(self, row: OutboxRow, step: Step) -> None:
        kind = _kind(row)
        if isinstance(step, Deliver):
            await self._delivery.delivered(row, step.echo)
            how = "its copy is in Ozon's history" if step.echo else row.kind
            fields = event("reply_delivered", chat_id=row.lane, outbox_id=row.id, kind=kind)
            log.info("chat %s: outbox %s delivered (%s)", row.lane, row.id, how, extra=fields)
            self._meter.add(Count.REPLIES_DELIVERED, kind)
            self._on_finished()
        elif isinstance(step, Postpone):
            log.warning(
                "chat %s: outbox %s not sent (%s); next attempt in %.0fs",
                row.lane,
                row.id,
                step.detail,
                step.delay.total_seconds(),
                extra=event("reply_postponed", chat_id=row.lane, outbox_id=row.id, kind=kind),
            )
            await self._outbox.postpone(
                row.id, step.state, attempts=step.attempts, delay=step.delay, detail=step.detail
            )
        elif isinstance(step, GiveUp):
            fail = step.failure
            detail = f"{fail.reason} {fail.detail}"
            fields = event(
                "reply_failed", chat_id=row.lane, outbox_id=row.id, reason=fail.reason, kind=kind
            )
            log.warning("chat %s: outbox %s failed: %s", row.lane, row.id, detail, extra=fields)
            await self._outbox.give_up(row, fail.reason, fail.detail, retriable=fail.retriable)
            self._meter.add(Count.REPLIES_FAILED, kind, fail.reason)
            self._on_finished()


def _kind(row: OutboxRow) -> str:
    """The row's kind as `/metrics` counts it: `reply`, `broadcast`, `review` or `question`."""
    if row.target is not OutboxTarget.CHAT:
        return str(row.target)
    return "reply" if row.broadcast_id is None else "broadcast"


class _Refused(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure
