"""The team's figures on a known history, each expectation worked out by hand: medians and the
90th percentile of first replies, the share answered within 24 hours, missed windows, the
per-person figures, and the day-by-day series in the seller's time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.records import Staff, StaffReplies, WaitingPeriod
from bot.core.states import EndedBy
from bot.core.stats.figures import Day, Figures, daily, figures, median, percentile

MSK = ZoneInfo("Europe/Moscow")  # UTC+3
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ANNA, BORIS = Staff(1, "Анна"), Staff(2, "Борис")
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)


def period(
    n: int,
    began: datetime,
    waited: timedelta | None = None,
    by: EndedBy | None = None,
    staff: Staff | None = None,
) -> WaitingPeriod:
    return WaitingPeriod(
        id=n,
        chat_id=f"c{n}",
        began_at=began,
        last_buyer_at=began,
        ended_at=None if waited is None else began + waited,
        ended_by=by,
        staff=staff,
    )


HISTORY = [
    period(1, NOW - 2 * D, 30 * M, EndedBy.TELEGRAM, ANNA),
    period(2, NOW - 3 * D, 2 * H, EndedBy.CABINET),
    period(3, NOW - 5 * D, 26 * H, EndedBy.TELEGRAM, BORIS),  # answered, but not within 24 h
    period(4, NOW - 6 * D, 1 * H, EndedBy.DONE, ANNA),  # needed no reply
    period(5, NOW - 10 * H),  # waiting, less than a day: its fate is not known yet
    period(6, NOW - 20 * D),  # waiting past its window: missed
    period(7, NOW - 25 * D, 50 * H, EndedBy.CLOSED),  # closed by Ozon after the window: missed
    period(8, NOW - 29 * D, 10 * M, EndedBy.TELEGRAM, ANNA),
    period(9, NOW - 40 * D, 1 * M, EndedBy.TELEGRAM, ANNA),  # outside 30 days
    # 01:30 on the 30th in Moscow, 22:30 on the 29th in UTC: a day of its own in the chart.
    period(10, datetime(2026, 11, 29, 22, 30, tzinfo=UTC), 1 * H, EndedBy.TELEGRAM, ANNA),
]
REPLIES = [StaffReplies(ANNA, 5), StaffReplies(BORIS, 2), StaffReplies(None, 1)]


def over(
    days: int, history: list[WaitingPeriod] = HISTORY, desk_since: datetime | None = None
) -> Figures:
    return figures(
        history,
        since=NOW - days * D,
        until=NOW,
        now=NOW,
        buyer_messages=42,
        staff_replies=REPLIES,
        cabinet_replies=3,
        waiting_now=2,
        desk_since=desk_since,
    )


def test_a_week() -> None:
    week = over(7)
    assert week.dialogs == 6  # 1, 2, 3, 4, 5, 10
    # First replies: 30 min, 1 h, 2 h, 26 h (the /done and the waiting one have none).
    assert week.first_reply_median == 90 * M
    assert week.first_reply_p90 == 26 * H
    # Known fates: 1, 2, 10 in time, 3 late; 4 needed no reply, 5 may still be answered.
    assert week.answered_in_24h == 3 / 4
    assert week.windows_missed == 0
    assert (week.buyer_messages, week.waiting_now, week.cabinet_replies) == (42, 2, 3)


def test_thirty_days() -> None:
    month = over(30)
    assert month.dialogs == 9  # all but 9
    # 10 min, 30 min, 1 h, 2 h, 26 h.
    assert month.first_reply_median == 1 * H
    assert month.first_reply_p90 == 26 * H
    # In time: 1, 2, 8, 10; late or never: 3, 6, 7.
    assert month.answered_in_24h == 4 / 7
    assert month.windows_missed == 2  # 6 and 7
    assert month.partial_since is None


def test_per_person_most_replies_first() -> None:
    staff = over(30).staff
    assert [(s.name, s.replies, s.first_reply_median) for s in staff] == [
        ("Анна", 5, 30 * M),  # first replies to 1, 8 and 10: 30 min, 10 min, 1 h
        ("Борис", 2, 26 * H),
        (None, 1, None),  # replies sent before the bridge kept who wrote them
    ]


def test_nothing_yet_is_said_as_such_not_as_zero() -> None:
    empty = over(30, [])
    assert (empty.dialogs, empty.windows_missed) == (0, 0)
    assert empty.first_reply_median is None
    assert empty.first_reply_p90 is None
    assert empty.answered_in_24h is None
    one = over(30, [period(1, NOW - 2 * H)])
    assert one.dialogs == 1
    assert one.first_reply_median is None
    assert one.answered_in_24h is None  # it may still be answered in time


def test_a_history_younger_than_the_period_says_since_when() -> None:
    since = NOW - 3 * D
    assert over(30, desk_since=since).partial_since == since
    assert over(7, desk_since=NOW - 8 * D).partial_since is None


def test_days_are_the_sellers_days() -> None:
    days = daily(HISTORY, days=30, now=NOW, tz=MSK)
    assert len(days) == 30
    assert days[0].day == date(2026, 11, 1)
    assert days[-1] == Day(date(2026, 11, 30), 2, 1 * H)  # 5 (05:00) and 10 (01:30)
    assert days[-2] == Day(date(2026, 11, 29), 0, None)
    assert days[0] == Day(date(2026, 11, 1), 1, 10 * M)  # 8, at 15:00 in Moscow
    assert sum(d.dialogs for d in days) == 9


def test_median_and_percentile() -> None:
    assert median([]) is None
    assert median([3 * M]) == 3 * M
    assert median([1 * M, 5 * M, 2 * M, 4 * M]) == 3 * M
    assert percentile([1 * M, 2 * M, 3 * M], 90) == 3 * M
    assert percentile([timedelta(seconds=s) for s in range(1, 101)], 90) == timedelta(seconds=90)


def test_a_window_closed_then_cleared_with_done_is_missed_and_late() -> None:
    """README advises /done for a chat whose window has closed: the buyer was still never
    answered. Done within the window, the chat needed no reply."""
    cleared = period(1, NOW - 5 * D, 50 * H, EndedBy.DONE, ANNA)
    thanked = period(2, NOW - 4 * D, 30 * H, EndedBy.DONE, ANNA)
    answered = period(3, NOW - 3 * D, 1 * H, EndedBy.TELEGRAM, ANNA)
    week = over(7, [cleared, thanked, answered])
    assert week.windows_missed == 1
    assert week.answered_in_24h == 1 / 2  # 3 in time, 1 never; 2 needed no reply


def test_an_order_cards_window_is_the_deadline() -> None:
    """A known delivery date keeps Ozon's window open past 48 hours: waiting 3 days within it,
    or closed by Ozon within it, is not a missed window; past it, it is."""
    extended = replace(period(1, NOW - 3 * D), reply_until=NOW + 1 * D)
    closed_in_time = replace(
        period(2, NOW - 5 * D, 60 * H, EndedBy.CLOSED), reply_until=NOW - 1 * D
    )
    closed_late = replace(period(3, NOW - 6 * D, 90 * H, EndedBy.CLOSED), reply_until=NOW - 4 * D)
    assert over(7, [extended, closed_in_time, closed_late]).windows_missed == 1
