"""The help desk's rules, table by table: what recorded messages, deliveries, /done and Ozon's
closing do to a chat's state and its waiting periods (pure functions, no I/O)."""

from __future__ import annotations

from dataclasses import replace
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
from bot.core.records import Said, Staff
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


def since(minute: int) -> Said:
    """The buyer message of that minute, as a period's first."""
    return Said(at(minute), f"{100 + minute}")


def waiting(minute: int, answered_at: datetime | None = None) -> Facts:
    """Waiting since the buyer's message of that minute."""
    return Facts(WAITING, answered_at, since(minute))


def unseen(line: Line, *minutes: int) -> Line:
    """A staff reply whose writer could not see the buyer's messages of these minutes."""
    return replace(line, unseen=tuple(since(m) for m in minutes))


@pytest.mark.parametrize(
    ("before", "lines", "after", "changes"),
    [
        # A buyer's first message opens a period at the time Ozon says it was written.
        (Facts(ANSWERED, None), [buyer(0)], waiting(0), [Open(at(0), "100")]),
        # More buyer messages move the reply window, not the start.
        (
            Facts(ANSWERED, None),
            [buyer(0), buyer(5)],
            waiting(0),
            [Open(at(0), "100"), BuyerAgain(at(5))],
        ),
        # A reply from Ozon's cabinet ends it; staff's reply (its echo) names who answered.
        (waiting(0), [cabinet(7)], Facts(ANSWERED, at(7)), [End(at(7), EndedBy.CABINET)]),
        (waiting(0), [staff(7)], Facts(ANSWERED, at(7)), [End(at(7), EndedBy.TELEGRAM, ANNA)]),
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
        (waiting(0), [broadcast(3), ozon(4)], waiting(0), []),
        (Facts(ANSWERED, at(1)), [broadcast(3)], Facts(ANSWERED, at(1)), []),
        # The buyer writes in a closed chat: waiting again.
        (Facts(CLOSED, at(1)), [buyer(9)], waiting(9, at(1)), [Open(at(9), "109")]),
        # The seller writes in a closed chat: it stays closed.
        (Facts(CLOSED, at(1)), [cabinet(9)], Facts(CLOSED, at(9)), []),
        # A reply delivered at 0:10 crossed a buyer's message written at 0:09 and read only
        # now, together with the reply's copy: its writer never saw that message, which waits.
        (
            Facts(ANSWERED, at(10)),
            [buyer(9), unseen(staff(10), 9)],
            waiting(9, at(10)),
            [Open(at(9), "109")],
        ),
        # ... and a message written after the answer opens a period too, copy or not.
        (
            Facts(ANSWERED, at(10)),
            [staff(10), buyer(11)],
            waiting(11, at(10)),
            [Open(at(11), "111")],
        ),
        # A message older than the answer waits (never lose a buyer: the answer may not have
        # been to them).
        (Facts(ANSWERED, at(10)), [buyer(9)], waiting(9, at(10)), [Open(at(9), "109")]),
        # A reply's copy answers what its writer saw (the message of 0:00), not what the topic
        # showed only later (0:05, 0:06): those wait on, from the first of them.
        (
            waiting(0),
            [unseen(staff(8), 5, 6)],
            waiting(5, at(8)),
            [End(at(8), EndedBy.TELEGRAM, ANNA), Open(at(5), "105"), BuyerAgain(at(6))],
        ),
        # Its writer saw nothing of the period: it goes on as it was.
        (waiting(0), [unseen(staff(8), 0, 5)], waiting(0, at(8)), []),
        # Unseen messages of an earlier period (answered since) do not count.
        (
            waiting(5),
            [unseen(staff(8), 2)],
            Facts(ANSWERED, at(8)),
            [End(at(8), EndedBy.TELEGRAM, ANNA)],
        ),
        # The cabinet shows the seller everything.
        (
            waiting(0),
            [buyer(5), cabinet(8)],
            Facts(ANSWERED, at(8)),
            [
                BuyerAgain(at(5)),
                End(at(8), EndedBy.CABINET),
            ],
        ),
    ],
)
def test_recorded_messages(
    before: Facts, lines: list[Line], after: Facts, changes: list[Change]
) -> None:
    assert fold(before, lines) == (after, changes)


@pytest.mark.parametrize(
    ("before", "unseen_minutes", "after", "changes"),
    [
        (waiting(0), (), Facts(ANSWERED, at(20)), [End(at(20), EndedBy.DONE, ANNA)]),
        (Facts(ANSWERED, at(5)), (), Facts(ANSWERED, at(20)), []),
        (Facts(ANSWERED, at(30)), (), Facts(ANSWERED, at(30)), []),
        (Facts(CLOSED, at(5)), (), Facts(CLOSED, at(20)), []),
        # /done on a thanks (0:00) while the buyer's question (0:04) was not shown yet: the
        # thanks needed no reply, the question waits from when it was written.
        (
            waiting(0),
            (4,),
            waiting(4, at(20)),
            [End(at(20), EndedBy.DONE, ANNA), Open(at(4), "104")],
        ),
        # Nothing of the period was shown: /done marks nothing.
        (waiting(0), (0, 4), waiting(0, at(20)), []),
    ],
)
def test_answered(
    before: Facts, unseen_minutes: tuple[int, ...], after: Facts, changes: list[Change]
) -> None:
    missed = [since(m) for m in unseen_minutes]
    assert answered(before, at(20), EndedBy.DONE, ANNA, missed) == (after, changes)


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
