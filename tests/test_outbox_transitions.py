"""The exactly-once outbox, transition by transition: the pure decisions (table-driven), and the
sender against in-memory fakes of its ports (no network, no database, milliseconds)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.faults import FileUnavailable
from bot.core.records import OutboxRow
from bot.core.replies.outbox import (
    MAX_ATTEMPTS,
    SETTLE,
    Deliver,
    GiveUp,
    OutboxSender,
    Postpone,
    Send,
    Step,
    after_reconciliation,
    after_send,
    retry_or_give_up,
)
from bot.core.replies.refusals import Failure
from bot.core.states import FailureReason, OutboxKind, OutboxState
from bot.ozon.errors import OzonError, OzonTransportError, api_error

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ROW = OutboxRow(
    id=1, chat_id="chat", kind=OutboxKind.TEXT, body="Ответ", file_id=None, file_name=None,
    tg_message_id=77, topic_id=5, part=0, parts=1, state=OutboxState.QUEUED, attempts=0,
    not_before=None, reason=None, detail=None, retriable=False, ozon_message_id=None,
    created_at=NOW, sending_at=None,
)  # fmt: skip
SEND = "/v1/chat/send/message"
RATE_LIMITED = api_error(429, 8, "You have reached request rate limit per second", [], path=SEND)
NOT_SENT = OzonTransportError("ConnectError", path=SEND, may_have_arrived=False)
LOST = OzonTransportError("ReadTimeout", path=SEND, may_have_arrived=True)
SERVER = api_error(500, 13, "internal error", [], path=SEND)
WINDOW = api_error(400, 3, "The chat is closed for sending messages", [], path=SEND)
PREMIUM = api_error(403, 7, "Premium Plus subscription is required", [], path=SEND)
REFUSAL = {error: getattr(error, "message", "") for error in (WINDOW, PREMIUM)}


def row(**changes: Any) -> OutboxRow:
    return replace(ROW, **changes)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def unavailable(detail: str) -> GiveUp:
    return GiveUp(Failure(FailureReason.UNAVAILABLE, detail, retriable=True))


@pytest.mark.parametrize(
    ("case", "step", "expected"),
    [
        # A send and what came of it (`row` as read before the send began).
        ("accepted", after_send(row(), None), Deliver()),
        ("429: surely not sent", after_send(row(), RATE_LIMITED),
         Postpone(OutboxState.QUEUED, 1, seconds(2), str(RATE_LIMITED))),
        ("connect error: surely not sent", after_send(row(attempts=2), NOT_SENT),
         Postpone(OutboxState.QUEUED, 3, seconds(8), str(NOT_SENT))),
        ("timeout after sending: may have arrived", after_send(row(), LOST),
         Postpone(OutboxState.SENDING, 1, SETTLE, str(LOST))),
        ("5xx: may have arrived", after_send(row(attempts=4), SERVER),
         Postpone(OutboxState.SENDING, 5, seconds(32), str(SERVER))),
        ("delays are capped", after_send(row(attempts=MAX_ATTEMPTS + 3), NOT_SENT),
         unavailable(str(NOT_SENT))),
        ("the last send may have arrived: one more look first",
         after_send(row(attempts=MAX_ATTEMPTS - 1), SERVER),
         Postpone(OutboxState.SENDING, MAX_ATTEMPTS, SETTLE, str(SERVER))),
        ("the last send surely did not arrive: given up",
         after_send(row(attempts=MAX_ATTEMPTS - 1), RATE_LIMITED), unavailable(str(RATE_LIMITED))),
        ("the reply window closed: refused for good", after_send(row(), WINDOW),
         GiveUp(Failure(FailureReason.WINDOW_CLOSED, REFUSAL[WINDOW], retriable=False))),
        ("no subscription: refused, retriable later", after_send(row(), PREMIUM),
         GiveUp(Failure(FailureReason.NO_PREMIUM, REFUSAL[PREMIUM], retriable=True))),
        # A row that may have reached Ozon, once its chat was read again.
        ("its copy is there", after_reconciliation(row(state=OutboxState.SENDING), "9001"),
         Deliver("9001")),
        ("not there: sent again", after_reconciliation(row(state=OutboxState.SENDING,
                                                           attempts=3), None), Send(4)),
        ("not there after the last try: given up",
         after_reconciliation(row(state=OutboxState.SENDING, attempts=MAX_ATTEMPTS,
                                  detail="HTTP 500"), None), unavailable("HTTP 500")),
        # Failures before any send count too.
        ("the file could not be downloaded", retry_or_give_up(row(), "telegram: x",
                                                             unsure=False, sent=False),
         Postpone(OutboxState.QUEUED, 1, seconds(2), "telegram: x")),
        ("Ozon did not answer the reconciliation",
         retry_or_give_up(row(state=OutboxState.SENDING, attempts=1), "reconciling: x",
                          unsure=True, sent=False),
         Postpone(OutboxState.SENDING, 2, seconds(4), "reconciling: x")),
        ("before a send, at the last attempt: given up",
         retry_or_give_up(row(attempts=MAX_ATTEMPTS - 1), "telegram: x", unsure=True,
                          sent=False), unavailable("telegram: x")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
def test_transitions(case: str, step: Step, expected: Step) -> None:
    assert step == expected, case


class Store:
    """The outbox's rows in memory, with the transitions the sender uses."""

    def __init__(self, *rows: OutboxRow) -> None:
        self.rows = {r.id: r for r in rows}

    async def heads(self) -> list[OutboxRow]:
        return [r for r in self.rows.values() if r.state in (OutboxState.QUEUED,
                                                              OutboxState.SENDING)]  # fmt: skip

    async def get(self, row_id: int) -> OutboxRow | None:
        return self.rows.get(row_id)

    async def begin_send(self, row_id: int, *, attempts: int, settle: timedelta) -> bool:
        current = self.rows[row_id]
        if current.state not in (OutboxState.QUEUED, OutboxState.SENDING):
            return False
        self.rows[row_id] = replace(current, state=OutboxState.SENDING, attempts=attempts,
                                    sending_at=NOW)  # fmt: skip
        return True

    async def delivered(self, row: OutboxRow, echo: str | None) -> None:
        self.rows[row.id] = replace(self.rows[row.id], state=OutboxState.DELIVERED,
                                    ozon_message_id=echo)  # fmt: skip

    async def postpone(self, row_id: int, state: OutboxState, *, attempts: int,
                       delay: timedelta, detail: str) -> None:  # fmt: skip
        # Time is not simulated: the row is due again at once.
        self.rows[row_id] = replace(self.rows[row_id], state=state, attempts=attempts,
                                    detail=detail)  # fmt: skip

    async def give_up(self, row: OutboxRow, reason: FailureReason, detail: str, *,
                      retriable: bool) -> None:  # fmt: skip
        self.rows[row.id] = replace(self.rows[row.id], state=OutboxState.FAILED, reason=reason,
                                    detail=detail, retriable=retriable)  # fmt: skip


class Ozon:
    """Ozon's send methods: each send fails with the next of `failures`, applied or not."""

    def __init__(self, *failures: tuple[OzonError, bool]) -> None:
        self.failures = list(failures)
        self.received: list[str] = []
        self.attempts = 0

    async def send_file(self, chat_id: str, content: bytes, name: str) -> None:
        await self.send_message(chat_id, name)

    async def send_message(self, chat_id: str, text: str) -> None:
        self.attempts += 1
        if self.failures:
            error, applied = self.failures.pop(0)
            if applied:
                self.received.append(text)
            raise error
        self.received.append(text)


class Chat:
    """The buyer chat as the outbox's destination: sends reach `ozon`, and its history (as the
    reconciliation reads it) shows the rows whose copy Ozon received."""

    def __init__(self, ozon: Ozon) -> None:
        self._ozon = ozon

    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        if isinstance(payload, str):
            await self._ozon.send_message(row.lane, payload)
        else:
            await self._ozon.send_file(row.lane, payload, row.file_name or "")

    async def echo_of(self, row: OutboxRow) -> str | None:
        return f"copy-{row.id}" if row.body in self._ozon.received else None


class Telegram:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        if file_id not in self.files:
            raise FileUnavailable("gone")
        return self.files[file_id]


def sender(store: Store, ozon: Ozon, *, files: dict[str, bytes] | None = None) -> OutboxSender:
    return OutboxSender(
        store,
        Chat(ozon),
        Telegram(files or {}),
        store,
        on_finished=lambda: None,
        per_chat_per_minute=100,
    )


async def until_final(worker: OutboxSender, store: Store, steps: int = 20) -> OutboxRow:
    for _ in range(steps):
        await worker.step()
        if store.rows[1].state in (OutboxState.DELIVERED, OutboxState.FAILED):
            break
    return store.rows[1]


@pytest.mark.parametrize(
    ("failures", "state", "received", "attempts"),
    [
        ([], OutboxState.DELIVERED, 1, 1),
        ([(RATE_LIMITED, False), (NOT_SENT, False)], OutboxState.DELIVERED, 1, 3),
        # Ozon applied the send but the answer was lost: its history proves it, no resend.
        ([(LOST, True)], OutboxState.DELIVERED, 1, 1),
        ([(SERVER, True)], OutboxState.DELIVERED, 1, 1),
        # The 5xx was real: nothing in the history, so it is sent again, once.
        ([(SERVER, False)], OutboxState.DELIVERED, 1, 2),
        ([(WINDOW, False)], OutboxState.FAILED, 0, 1),
        ([(RATE_LIMITED, False)] * MAX_ATTEMPTS, OutboxState.FAILED, 0, MAX_ATTEMPTS),
        # Every send may have arrived and never did: a last look decides, then it is given up.
        ([(SERVER, False)] * MAX_ATTEMPTS, OutboxState.FAILED, 0, MAX_ATTEMPTS),
    ],
)
async def test_a_reply_reaches_ozon_once_or_is_given_up_for_a_reason(
    failures: list[tuple[OzonError, bool]], state: OutboxState, received: int, attempts: int
) -> None:
    store, ozon = Store(row()), Ozon(*failures)
    final = await until_final(sender(store, ozon), store)
    assert final.state == state
    assert len(ozon.received) == received
    assert ozon.attempts == attempts


async def test_a_send_cut_off_by_a_crash_is_reconciled_before_any_new_send() -> None:
    ozon = Ozon()
    ozon.received.append("Ответ")  # the send arrived; the bridge died before recording it
    store = Store(row(state=OutboxState.SENDING, attempts=1))
    final = await until_final(sender(store, ozon), store)
    assert final.state == OutboxState.DELIVERED
    assert final.ozon_message_id == "copy-1"
    assert ozon.attempts == 0


async def test_files_are_checked_before_they_are_sent() -> None:
    pdf = b"%PDF-1.7\n..."
    for file_id, files, state, reason in (
        ("doc", {"doc": pdf}, OutboxState.DELIVERED, None),
        ("doc", {"doc": b"PK\x03\x04 a docx"}, OutboxState.FAILED, FailureReason.FILE_WRONG_TYPE),
        ("gone", {}, OutboxState.FAILED, FailureReason.UNAVAILABLE),
    ):
        file_row = row(kind=OutboxKind.FILE, body=None, file_id=file_id, file_name="a.pdf")
        store = Store(file_row)
        final = await until_final(sender(store, Ozon(), files=files), store)
        assert (final.state, final.reason) == (state, reason), file_id
