"""The help desk's rules, table by table: what recorded messages, deliveries, /done and Ozon's
closing do to a chat's state and its waiting periods (pure functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.desk.state import (
    BuyerAgain,
    Change,
    End,
    Facts,
    Line,
    Open,
    Voice,
    answered,
    closed,
    fold,
    opened,
    reply_deadline,
)
from bot.core.records import Staff
from bot.core.states import DeskState, EndedBy

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
ANNA = Staff(111, "Анна")
WAITING, ANSWERED, CLOSED = DeskState.WAITING, DeskState.ANSWERED, DeskState.CLOSED


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def buyer(minute: int) -> Line:
    return Line(f"{100 + minute}", at(minute), Voice.BUYER)


def cabinet(minute: int) -> Line:
    return Line(f"{100 + minute}", at(minute), Voice.CABINET)


def staff(minute: int) -> Line:
    return Line(f"{100 + minute}", at(minute), Voice.STAFF, ANNA)


def broadcast(minute: int) -> Line:
    return Line(f"{100 + minute}", at(minute), Voice.BROADCAST)


def ozon(minute: int) -> Line:
    return Line(f"{100 + minute}", at(minute), Voice.OTHER)


@pytest.mark.parametrize(
    ("before", "lines", "after", "changes"),
    [
        # A buyer's first message opens a period at the time Ozon says it was written.
        (Facts(ANSWERED, None), [buyer(0)], Facts(WAITING, None), [Open(at(0), "100")]),
        # More buyer messages move the reply window, not the start.
        (
            Facts(ANSWERED, None),
            [buyer(0), buyer(5)],
            Facts(WAITING, None),
            [Open(at(0), "100"), BuyerAgain(at(5))],
        ),
        # A reply from Ozon's cabinet ends it; staff's reply (its echo) names who answered.
        (
            Facts(WAITING, None),
            [cabinet(7)],
            Facts(ANSWERED, at(7)),
            [End(at(7), EndedBy.CABINET)],
        ),
        (
            Facts(WAITING, None),
            [staff(7)],
            Facts(ANSWERED, at(7)),
            [End(at(7), EndedBy.TELEGRAM, ANNA)],
        ),
        # A whole exchange read at once (after a restart): each period as it happened.
        (
            Facts(ANSWERED, None),
            [buyer(0), cabinet(30), buyer(40), buyer(41), staff(50)],
            Facts(ANSWERED, at(50)),
            [
                Open(at(0), "100"),
                End(at(30), EndedBy.CABINET),
                Open(at(40), "140"),
                BuyerAgain(at(41)),
                End(at(50), EndedBy.TELEGRAM, ANNA),
            ],
        ),
        # A broadcast is nobody's answer; Ozon's own messages change nothing.
        (Facts(WAITING, None), [broadcast(3), ozon(4)], Facts(WAITING, None), []),
        (Facts(ANSWERED, at(1)), [broadcast(3)], Facts(ANSWERED, at(1)), []),
        # The buyer writes in a closed chat: waiting again.
        (Facts(CLOSED, at(1)), [buyer(9)], Facts(WAITING, at(1)), [Open(at(9), "109")]),
        # The seller writes in a closed chat: it stays closed.
        (Facts(CLOSED, at(1)), [cabinet(9)], Facts(CLOSED, at(9)), []),
        # A reply delivered at 0:10 crossed a buyer's message written at 0:09 and read only
        # now, together with the reply's copy: that message was answered, no period opens.
        (Facts(ANSWERED, at(10)), [buyer(9), staff(10)], Facts(ANSWERED, at(10)), []),
        # ... but a message written after the answer opens one, copy or not.
        (
            Facts(ANSWERED, at(10)),
            [staff(10), buyer(11)],
            Facts(WAITING, at(10)),
            [Open(at(11), "111")],
        ),
        # A message older than the answer, with no seller message after it in the read, waits
        # (never lose a buyer: the answer may not have been to them).
        (Facts(ANSWERED, at(10)), [buyer(9)], Facts(WAITING, at(10)), [Open(at(9), "109")]),
    ],
)
def test_recorded_messages(
    before: Facts, lines: list[Line], after: Facts, changes: list[Change]
) -> None:
    assert fold(before, lines) == (after, changes)


@pytest.mark.parametrize(
    ("before", "after", "changes"),
    [
        (Facts(WAITING, None), Facts(ANSWERED, at(20)), [End(at(20), EndedBy.DONE, ANNA)]),
        (Facts(ANSWERED, at(5)), Facts(ANSWERED, at(20)), []),
        (Facts(ANSWERED, at(30)), Facts(ANSWERED, at(30)), []),
        (Facts(CLOSED, at(5)), Facts(CLOSED, at(20)), []),
    ],
)
def test_answered(before: Facts, after: Facts, changes: list[Change]) -> None:
    assert answered(before, at(20), EndedBy.DONE, ANNA) == (after, changes)


def test_ozon_closing_ends_the_wait_and_opening_again_answers() -> None:
    assert closed(Facts(WAITING, None), at(3)) == (
        Facts(CLOSED, None),
        [End(at(3), EndedBy.CLOSED)],
    )
    assert closed(Facts(ANSWERED, at(1)), at(3)) == (Facts(CLOSED, at(1)), [])
    assert opened(Facts(CLOSED, at(1))) == (Facts(ANSWERED, at(1)), [])
    assert opened(Facts(WAITING, None)) == (Facts(WAITING, None), [])


def test_the_reply_window_is_48_hours_from_the_buyers_last_message() -> None:
    assert reply_deadline(at(0)) == at(0) + timedelta(hours=48)
