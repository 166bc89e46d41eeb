"""How fast the team answers: the help desk's own figures, computed from its waiting periods.

A dialog is a waiting period: from the buyer's first unanswered message to the seller's reply
(or `/done`, or Ozon closing the chat). Its first reply time is that span when a reply ended it.
The figures are pure functions of the periods and a few counts, so that they can be checked on
a known history by hand:

- dialogs begun in the range, and buyer messages written in it;
- median and 90th percentile of the first reply time, over the dialogs a reply ended;
- the share answered within 24 hours, over the dialogs whose fate is known (a reply came, or 24
  hours have passed); those marked `/done` while Ozon still took a reply needed none and are
  left out;
- chats waiting now, and reply windows missed (48 hours after the buyer's last message, or
  later as the order card says, passed with no reply: still waiting past it, or closed by Ozon
  or cleared with `/done` after it);
- per staff member: replies delivered and the median first reply of the dialogs they answered;
  the seller's replies written in Ozon's cabinet counted apart;
- replies sent from drafts: their share of the staff replies delivered, and the median time
  from the buyer's message each answered to its delivery.

A figure that cannot be computed is None, with the reason left to whoever words it (no dialog
answered yet is not "0 minutes").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.desk.state import reply_deadline
from bot.core.records import DraftReply, StaffReplies, WaitingPeriod
from bot.core.states import EndedBy

DAY = timedelta(days=1)
ANSWER_GOAL = timedelta(hours=24)
REPLIES = (EndedBy.TELEGRAM, EndedBy.CABINET)


@dataclass(frozen=True, slots=True)
class StaffFigures:
    name: str | None
    """Their name in Telegram (None: replies sent before names were kept)."""
    replies: int
    first_reply_median: timedelta | None


@dataclass(frozen=True, slots=True)
class DraftFigures:
    replies: int
    """Staff replies delivered that were sent from drafts."""
    share: float | None
    """Their share (0..1) of the staff replies delivered; None when there were none."""
    median: timedelta | None
    """Median time from the buyer's message a draft answered to its delivery."""


NO_DRAFTS = DraftFigures(0, None, None)


@dataclass(frozen=True, slots=True)
class Figures:
    since: datetime
    until: datetime
    dialogs: int
    buyer_messages: int
    first_reply_median: timedelta | None
    first_reply_p90: timedelta | None
    answered_in_24h: float | None
    """Share (0..1) of the dialogs whose fate is known; None when there are none."""
    waiting_now: int
    windows_missed: int
    staff: list[StaffFigures] = field(default_factory=list)
    cabinet_replies: int = 0
    partial_since: datetime | None = None
    """The help desk's history begins inside the range: the figures cover only from then."""
    drafts: DraftFigures = NO_DRAFTS


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    dialogs: int
    first_reply_median: timedelta | None


def percentile(values: Sequence[timedelta], q: float) -> timedelta | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def first_reply(period: WaitingPeriod) -> timedelta | None:
    """How long the buyer waited for the reply that ended the period (None: no reply did)."""
    if period.ended_at is None or period.ended_by not in REPLIES:
        return None
    return period.ended_at - period.began_at


def missed(period: WaitingPeriod, now: datetime) -> bool:
    """The reply window (an order card's extension counted) closed on this period with no
    reply: it still waits past it, or Ozon closed the chat, or staff cleared it with `/done`,
    only after it."""
    if period.ended_by in REPLIES:
        return False
    deadline = reply_deadline(period.last_buyer_at, period.reply_until)
    return (now if period.ended_at is None else period.ended_at) >= deadline


def answered_in_time(periods: Sequence[WaitingPeriod], now: datetime) -> float | None:
    """Share of dialogs answered within 24 hours, over those whose fate is known."""
    known = answered = 0
    for period in periods:
        if period.ended_by is EndedBy.DONE and not missed(period, now):
            continue  # needed no reply (one cleared after its window closed was never answered)
        reply = first_reply(period)
        if reply is None and now - period.began_at < ANSWER_GOAL:
            continue  # may still be answered in time
        known += 1
        answered += reply is not None and reply <= ANSWER_GOAL
    return answered / known if known else None


def figures(
    periods: Sequence[WaitingPeriod],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    buyer_messages: int,
    staff_replies: Sequence[StaffReplies],
    cabinet_replies: int,
    waiting_now: int,
    desk_since: datetime | None,
    draft_replies: Sequence[DraftReply] = (),
) -> Figures:
    """The figures of the dialogs begun in [since, until)."""
    ours = [p for p in periods if since <= p.began_at < until]
    replies = [r for p in ours if (r := first_reply(p)) is not None]
    partial = desk_since if desk_since is not None and desk_since > since else None
    return Figures(
        since=since,
        until=until,
        dialogs=len(ours),
        buyer_messages=buyer_messages,
        first_reply_median=median(replies),
        first_reply_p90=percentile(replies, 90),
        answered_in_24h=answered_in_time(ours, now),
        waiting_now=waiting_now,
        windows_missed=sum(missed(p, now) for p in ours),
        staff=per_staff(ours, staff_replies),
        cabinet_replies=cabinet_replies,
        partial_since=partial,
        drafts=from_drafts(draft_replies, staff_replies),
    )


def from_drafts(
    draft_replies: Sequence[DraftReply], staff_replies: Sequence[StaffReplies]
) -> DraftFigures:
    """How many replies were sent from drafts, their share of all staff replies delivered, and
    how long after the buyer's message they reached the buyer (median)."""
    total = sum(row.replies for row in staff_replies)
    waits = [r.delivered_at - r.answers_at for r in draft_replies if r.answers_at is not None]
    share = min(1.0, len(draft_replies) / total) if total else None
    return DraftFigures(len(draft_replies), share, median(waits))


def per_staff(
    periods: Sequence[WaitingPeriod], staff_replies: Sequence[StaffReplies]
) -> list[StaffFigures]:
    """Each person's replies delivered, and the median first reply of the dialogs they answered
    from Telegram; most replies first."""
    by_staff: dict[str | None, list[timedelta]] = defaultdict(list)
    for period in periods:
        reply = first_reply(period)
        if reply is not None and period.ended_by is EndedBy.TELEGRAM:
            by_staff[period.staff.name if period.staff else None].append(reply)
    counted: dict[str | None, int] = defaultdict(int)
    for row in staff_replies:
        counted[row.staff.name if row.staff else None] += row.replies
    names = sorted(set(counted) | set(by_staff), key=lambda n: (-counted.get(n, 0), n or ""))
    return [
        StaffFigures(name, counted.get(name, 0), median(by_staff.get(name, []))) for name in names
    ]


def daily(periods: Sequence[WaitingPeriod], *, days: int, now: datetime, tz: ZoneInfo) -> list[Day]:
    """Per local day of the last `days` days (today included): dialogs begun that day and the
    median first reply of those dialogs."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    begun: dict[date, int] = defaultdict(int)
    replies: dict[date, list[timedelta]] = defaultdict(list)
    for period in periods:
        day = period.began_at.astimezone(tz).date()
        if not first <= day <= today:
            continue
        begun[day] += 1
        reply = first_reply(period)
        if reply is not None:
            replies[day].append(reply)
    every = [first + timedelta(days=n) for n in range(days)]
    return [Day(day, begun[day], median(replies[day])) for day in every]
