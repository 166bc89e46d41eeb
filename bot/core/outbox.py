"""Telegram -> Ozon, delivery: drains the outbox into Ozon's send methods, exactly once.

Rows go strictly in order per chat, at most `per_chat_per_minute` sends a minute per chat, under
the Ozon client's global limiter. A row is marked `sending` (committed) before the request. Neither
API takes an idempotency key, so a row whose send may have reached Ozon (a crash, a lost answer,
a 5xx) is reconciled first: the chat is synced, and the bridge's own message, found in the history
and linked to the row, proves delivery. Only when it is not there is the row sent again.
Staff then see the outcome on their message: a reaction, and for failures a reply with the
reason (and a «Повторить» button when trying again can help).
"""

from __future__ import annotations

import html
import logging
import time
from collections import deque
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.core.files import detect_file_type
from bot.core.ports import (
    FileUnavailable,
    ShuttingDown,
    TelegramFault,
    TelegramPort,
    TelegramUnavailable,
)
from bot.core.sync import Syncer
from bot.core.worker import Wakeable
from bot.ozon import (
    AuthProblem,
    OzonAuthError,
    OzonBadRequest,
    OzonClient,
    OzonConflict,
    OzonError,
    OzonForbidden,
    OzonNotFound,
    OzonRateLimited,
    OzonTransportError,
)
from storage.db import WRITE_RETRY_SECONDS, StorageError
from storage.outbox import OutboxRepository, OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SETTLE = timedelta(seconds=3)
"""How long after an unsure send Ozon's history is trusted to show the message."""

_WINDOW_WORDS = ("closed", "expired", "48", "72", "time", "window", "закрыт", "истек", "окно")


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    detail: str
    retriable: bool


class OutboxWorker(Wakeable):
    def __init__(
        self,
        outbox: OutboxRepository,
        ozon: OzonClient,
        telegram: TelegramPort,
        syncer: Syncer,
        *,
        per_chat_per_minute: int = 10,
        max_file_bytes: int = 10 * 1024 * 1024,
        mark_read: bool = True,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
        idle_wait: float = 30.0,
    ) -> None:
        self._outbox = outbox
        self._ozon = ozon
        self._telegram = telegram
        self._syncer = syncer
        self._per_chat = per_chat_per_minute
        self._max_file_bytes = max_file_bytes
        self._mark_read = mark_read
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._idle_wait = idle_wait
        self._sent: dict[str, deque[float]] = {}
        super().__init__()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            wait = self._idle_wait
            try:
                wait = await self.drain_once()
            except ShuttingDown:
                return
            except Exception as exc:  # noqa: BLE001 - logged; the loop must go on
                wait = self._loop_failed("sending", exc)
            try:
                await self.notify_finished()
            except ShuttingDown:
                return
            except Exception as exc:  # noqa: BLE001 - logged; the loop must go on
                # Sending goes on at its own pace; the outcomes are shown on a later pass.
                wait = min(wait, self._loop_failed("showing outcomes", exc))
            await self._sleep(wait)

    def _loop_failed(self, what: str, exc: Exception) -> float:
        """Log why a pass stopped; returns how long to wait before the next."""
        if isinstance(exc, StorageError):
            # A row caught between Ozon's answer and its record stays `sending`: it is
            # reconciled against Ozon's history before it could ever be sent again.
            log.warning("outbox: %s paused, the database refuses writes: %s", what, exc)
            return WRITE_RETRY_SECONDS
        if isinstance(exc, TelegramUnavailable):
            log.warning("outbox: %s waits for Telegram: %s", what, exc)
        else:
            log.error("outbox: %s: unexpected error, trying again shortly", what, exc_info=exc)
        return self._idle_wait

    async def drain_once(self) -> float:
        """Process every chat's next row that is due; returns how long to wait for the next."""
        wait = self._idle_wait
        now = datetime.now(UTC)
        for row in await self._outbox.heads():
            if self._stopping:
                break
            if row.not_before is not None and row.not_before > now:
                wait = min(wait, (row.not_before - now).total_seconds())
                continue
            budget_wait = self._chat_budget_wait(row.chat_id)
            if budget_wait > 0:
                wait = min(wait, budget_wait)
                continue
            try:
                await self._process(row)
            except (ShuttingDown, TelegramUnavailable, StorageError):
                raise  # not this row's problem: the run loop waits
            except Exception as exc:  # one odd row must not stop the others
                log.error("chat %s: outbox %s: unexpected error", row.chat_id, row.id, exc_info=exc)
                fresh = await self._outbox.get(row.id) or row
                await self._postpone_or_fail(
                    fresh, f"unexpected: {exc!r}", unsure=fresh.state == "sending", count=True
                )
            wait = 0  # look again at once: the chat may have more
        return max(wait, 0.0)

    def _chat_budget_wait(self, chat_id: str) -> float:
        sent = self._sent.setdefault(chat_id, deque())
        now = time.monotonic()
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if not sent:
            del self._sent[chat_id]
            return 0.0
        return sent[0] + 60 - now if len(sent) >= self._per_chat else 0.0

    async def _settled_by_history(self, row: OutboxRow) -> bool:
        """A row whose send may have reached Ozon: True when Ozon's history (or giving up)
        settles it, False when it is known not to have arrived and may be sent."""
        try:
            delivered = await self._already_delivered(row)
        except OzonError as exc:
            await self._postpone_or_fail(row, f"reconciling: {exc}", unsure=True, count=True)
            return True
        if delivered:
            log.info("chat %s: outbox %s is in Ozon's history: delivered", row.chat_id, row.id)
            await self._outbox.mark_delivered(row.id)
            return True
        if row.attempts >= MAX_ATTEMPTS:
            # The last try is known not to have arrived: now it can be given up.
            await self._fail(row, Failure("unavailable", row.detail or "", retriable=True))
            return True
        log.info("chat %s: outbox %s is not in Ozon's history: sending", row.chat_id, row.id)
        return False

    async def _process(self, row: OutboxRow) -> None:
        if row.state == "sending" and await self._settled_by_history(row):
            return
        try:
            payload = await self._payload(row)
        except FileUnavailable as exc:
            # A row sent before stays `sending`: a late echo is still looked for first.
            unsure = row.state == "sending"
            await self._postpone_or_fail(row, f"telegram: {exc}", unsure=unsure, count=True)
            return
        except _Refused as refused:
            await self._fail(row, refused.failure)
            return
        if not await self._outbox.mark_sending(row.id, settle=SETTLE):
            log.info("chat %s: outbox %s was cancelled before its send", row.chat_id, row.id)
            return
        self._sent.setdefault(row.chat_id, deque()).append(time.monotonic())
        try:
            if isinstance(payload, str):
                await self._ozon.send_message(row.chat_id, payload)
            else:
                assert row.file_name is not None
                await self._ozon.send_file(row.chat_id, payload, row.file_name)
        except OzonError as exc:
            await self._on_error(row, exc)
            return
        await self._outbox.mark_delivered(row.id)
        log.info("chat %s: outbox %s delivered (%s)", row.chat_id, row.id, row.kind)

    async def _payload(self, row: OutboxRow) -> str | bytes:
        if row.kind == "text":
            assert row.body is not None
            return row.body
        assert row.file_id is not None
        data = await self._telegram.download(row.file_id, self._max_file_bytes)
        if len(data) > self._max_file_bytes:
            raise _Refused(Failure("file_too_large", "", retriable=False))
        if detect_file_type(data) is None:
            raise _Refused(Failure("file_wrong_type", "", retriable=False))
        return data

    async def _already_delivered(self, row: OutboxRow) -> bool:
        """Reconcile an unsure send: sync the chat (linking the bridge's own messages) and look."""
        if row.ozon_message_id is not None:
            return True
        await self._syncer.sync_chat(row.chat_id)
        fresh = await self._outbox.get(row.id)
        return fresh is not None and fresh.ozon_message_id is not None

    async def _on_error(self, row: OutboxRow, exc: OzonError) -> None:
        if exc.outcome_unknown:
            # It may have arrived: reconcile against the history before any new attempt.
            await self._postpone_or_fail(row, str(exc), unsure=True)
        elif isinstance(exc, OzonRateLimited | OzonTransportError):
            await self._postpone_or_fail(row, str(exc), unsure=False)
        else:
            await self._fail(row, classify_refusal(exc))

    async def _postpone_or_fail(
        self, row: OutboxRow, detail: str, *, unsure: bool, count: bool = False
    ) -> None:
        """Try the row again later, or give up after MAX_ATTEMPTS. `unsure`: the send may have
        reached Ozon. `count`: this failure came before a send (which counts attempts itself)."""
        attempts = row.attempts + 1  # `row` was read before this attempt was counted
        if attempts >= MAX_ATTEMPTS:
            if unsure and not count:
                # The last send may have arrived: one more look at the history decides.
                await self._outbox.postpone(row.id, SETTLE, detail, unsure=True)
                return
            await self._fail(row, Failure("unavailable", detail, retriable=True))
            return
        delay = min(self._base_delay * 2 ** (attempts - 1), self._max_delay)
        if unsure:
            delay = max(delay, SETTLE.total_seconds())
        log.warning(
            "chat %s: outbox %s not sent (%s); next attempt in %.0fs",
            row.chat_id,
            row.id,
            detail,
            delay,
        )
        await self._outbox.postpone(
            row.id, timedelta(seconds=delay), detail, unsure=unsure, count=count
        )

    async def _fail(self, row: OutboxRow, failure: Failure) -> None:
        log.warning(
            "chat %s: outbox %s failed: %s %s", row.chat_id, row.id, failure.reason, failure.detail
        )
        await self._outbox.fail(row, failure.reason, failure.detail, retriable=failure.retriable)

    async def notify_finished(self) -> None:
        """Show staff the outcome of every staff message whose parts are all done."""
        for staff_message, rows in await self._outbox.finished_unnotified():
            head = rows[0]
            failed = [r for r in rows if r.state == "failed"]
            emoji = texts.REACTION_FAILED if failed else texts.REACTION_DELIVERED
            await self._shown(staff_message, self._telegram.react(staff_message, emoji))
            if failed and head.topic_id is not None:
                # Said in words whether or not the group allows the reaction.
                reply = self._telegram.reply(
                    head.topic_id,
                    staff_message,
                    failure_text(rows),
                    retry_key=staff_message if failed[0].retriable else None,
                )
                await self._shown(staff_message, reply)
            await self._outbox.mark_notified(staff_message)
            if not failed and self._mark_read:
                await self._mark_chat_read(head.chat_id)

    @staticmethod
    async def _shown(staff_message: int, showing: Awaitable[object]) -> None:
        """Show part of an outcome; what Telegram refuses for this message alone (a reaction
        the group does not allow, a deleted or closed topic) is logged and passed over."""
        try:
            await showing
        except (ShuttingDown, TelegramUnavailable):
            raise
        except TelegramFault as exc:
            log.info("staff message %s: outcome not fully shown (%s)", staff_message, exc)

    async def _mark_chat_read(self, chat_id: str) -> None:
        try:
            await self._ozon.mark_read(chat_id)
        except OzonError as exc:
            log.warning("chat %s: could not mark read: %s", chat_id, exc)


class _Refused(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def classify_refusal(exc: OzonError) -> Failure:
    """Why Ozon refused a send, in terms staff can act on."""
    if isinstance(exc, OzonAuthError):
        reason = {
            AuthProblem.KEY_EXPIRED: "key_expired",
            AuthProblem.MISSING_ROLE: "no_role",
        }.get(exc.kind, "auth")
        return Failure(reason, exc.explanation, retriable=True)
    message = getattr(exc, "message", "") or str(exc)
    lowered = message.lower()
    if isinstance(exc, OzonForbidden) and "premium" in lowered:
        return Failure("no_premium", message, retriable=True)
    if isinstance(exc, OzonNotFound):
        return Failure("chat_not_found", message, retriable=False)
    if isinstance(exc, OzonBadRequest | OzonConflict | OzonForbidden):
        if any(word in lowered for word in _WINDOW_WORDS):
            return Failure("window_closed", message, retriable=False)
        return Failure("rejected", message, retriable=False)
    return Failure("unavailable", message, retriable=True)


def failure_text(rows: Sequence[OutboxRow]) -> str:
    """The staff-facing explanation of a staff message that was not (fully) delivered."""
    failed = [r for r in rows if r.state == "failed"]
    delivered = len(rows) - len(failed)
    first = next((r for r in failed if r.reason != "previous_part"), failed[0])
    reason = texts.FAILURE_REASONS.get(first.reason or "", texts.FAILURE_REASONS["unavailable"])
    lines = [
        texts.FAILED_HEADER
        if delivered == 0
        else texts.FAILED_PARTIAL.format(delivered=delivered, total=len(rows)),
        reason.format(detail=html.escape(first.detail or ""), max_mb=10),
    ]
    if first.retriable:
        lines.append(texts.FAILED_RETRY_HINT)
    return "\n".join(lines)
