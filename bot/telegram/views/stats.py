"""/stats in words: Ozon's grades and the team's figures, as staff read them on a phone."""

from __future__ import annotations

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.stats.figures import Figures
from bot.core.stats.grades import Grade, Grades, GradesProblem
from bot.core.stats.report import Report
from bot.telegram.texts.desk import QUEUE_MORE
from bot.telegram.texts.stats import (
    CHANGE_BAD,
    CHANGE_GOOD,
    CHANGE_SAME,
    GRADE_NAMES,
    STATS_CABINET,
    STATS_DIALOGS,
    STATS_DIGEST_TITLE,
    STATS_DRAFTS,
    STATS_DRAFTS_NO_MEDIAN,
    STATS_FIRST_REPLY,
    STATS_GRADE,
    STATS_GRADE_HISTORY,
    STATS_GRADE_MISSING,
    STATS_GRADE_TREND,
    STATS_GRADES,
    STATS_GRADES_NO_ROLE,
    STATS_GRADES_NOT_ALLOWED,
    STATS_GRADES_UNAVAILABLE,
    STATS_IN_24H,
    STATS_IN_24H_UNKNOWN,
    STATS_MISSED,
    STATS_NO_REPLY_YET,
    STATS_PARTIAL,
    STATS_PERIOD,
    STATS_STAFF,
    STATS_STAFF_LINE,
    STATS_STAFF_NO_FIRST,
    STATS_STAFF_NONE,
    STATS_STAFF_UNKNOWN,
    STATS_TITLE,
    STATS_WAITING,
    STATUS_MARK_UNKNOWN,
    STATUS_MARKS,
)
from bot.telegram.views.desk import duration

STAFF_LIMIT = 15


def number(value: float, digits: int = 1) -> str:
    """`96,5` (Russian decimal comma), without a trailing `,0`."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def share(value: float) -> str:
    return f"{round(value * 100)}%"


def grade_value(grade: Grade, value: float | None) -> str:
    if value is None:
        return "—"
    if grade.value_type == "TIME":
        return duration(timedelta(seconds=value))
    if grade.value_type == "PERCENT":
        return f"{number(value)}%"
    return number(value, 2)


def _grade_line(grade: Grade) -> str:
    mark = STATUS_MARKS.get(grade.status, STATUS_MARK_UNKNOWN)
    trend = ""
    if grade.past is not None and grade.direction:
        change = {"MEANING_GOOD": CHANGE_GOOD, "MEANING_BAD": CHANGE_BAD}.get(
            grade.meaning, CHANGE_SAME
        )
        trend = STATS_GRADE_TREND.format(change=change, past=grade_value(grade, grade.past))
    if len(grade.history) >= 2:
        trend += STATS_GRADE_HISTORY.format(
            first=grade_value(grade, grade.history[0]), last=grade_value(grade, grade.history[-1])
        )
    name = GRADE_NAMES.get(grade.system) or html.escape(grade.name)
    return STATS_GRADE.format(
        mark=mark, name=name, value=grade_value(grade, grade.value), trend=trend
    )


def _grades(grades: Grades) -> list[str]:
    lines = [STATS_GRADES]
    if grades.problem is GradesProblem.NO_ROLE:
        return [*lines, STATS_GRADES_NO_ROLE]
    if grades.problem is GradesProblem.NOT_ALLOWED:
        return [*lines, STATS_GRADES_NOT_ALLOWED.format(detail=html.escape(grades.detail))]
    if grades.problem is GradesProblem.UNAVAILABLE:
        return [*lines, STATS_GRADES_UNAVAILABLE]
    lines += [_grade_line(grade) for grade in grades.grades]
    if grades.missing:
        names = ", ".join(GRADE_NAMES.get(n, n).lower() for n in grades.missing)
        lines.append(STATS_GRADE_MISSING.format(names=names))
    return lines


def _period(figures: Figures, days: int, tz: ZoneInfo) -> list[str]:
    partial = ""
    if figures.partial_since is not None:
        partial = STATS_PARTIAL.format(
            since=figures.partial_since.astimezone(tz).strftime("%d.%m.%Y")
        )
    lines = [
        STATS_PERIOD.format(days=days, partial=partial),
        STATS_DIALOGS.format(dialogs=figures.dialogs, messages=figures.buyer_messages),
    ]
    if figures.first_reply_median is None or figures.first_reply_p90 is None:
        lines.append(STATS_NO_REPLY_YET)
    else:
        lines.append(
            STATS_FIRST_REPLY.format(
                median=duration(figures.first_reply_median),
                p90=duration(figures.first_reply_p90),
            )
        )
    if figures.answered_in_24h is None:
        lines.append(STATS_IN_24H_UNKNOWN)
    else:
        lines.append(STATS_IN_24H.format(share=share(figures.answered_in_24h)))
    lines.append(STATS_MISSED.format(missed=figures.windows_missed))
    return lines


def _staff(figures: Figures) -> list[str]:
    lines = [STATS_STAFF]
    people = [person for person in figures.staff if person.replies or person.first_reply_median]
    if not people:
        lines.append(STATS_STAFF_NONE)
    for person in people[:STAFF_LIMIT]:
        median = person.first_reply_median
        lines.append(
            STATS_STAFF_LINE.format(
                name=html.escape(person.name) if person.name else STATS_STAFF_UNKNOWN,
                replies=person.replies,
                median=duration(median) if median is not None else STATS_STAFF_NO_FIRST,
            )
        )
    if len(people) > STAFF_LIMIT:
        lines.append(QUEUE_MORE.format(count=len(people) - STAFF_LIMIT))
    lines.append(STATS_CABINET.format(count=figures.cabinet_replies))
    return lines + _drafts(figures)


def _drafts(figures: Figures) -> list[str]:
    """Replies sent from drafts, once there are any."""
    drafts = figures.drafts
    if not drafts.replies:
        return []
    median = STATS_DRAFTS_NO_MEDIAN if drafts.median is None else duration(drafts.median)
    shared = share(drafts.share) if drafts.share is not None else STATS_DRAFTS_NO_MEDIAN
    return [STATS_DRAFTS.format(replies=drafts.replies, share=shared, median=median)]


def render_report(report: Report, tz: ZoneInfo, *, digest: bool = False) -> str:
    made_at = report.made_at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    waiting = report.month.waiting_now
    blocks = [
        ([STATS_DIGEST_TITLE] if digest else []) + [STATS_TITLE.format(made_at=made_at)],
        _grades(report.grades),
        _period(report.week, 7, tz),
        [*_period(report.month, 30, tz), STATS_WAITING.format(waiting=waiting)],
        _staff(report.month),
    ]
    return "\n\n".join("\n".join(block) for block in blocks)
