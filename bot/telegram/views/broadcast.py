"""`/broadcast` in words and buttons: the preview, the progress line, the report, the list."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.broadcast.command import Preview
from bot.core.broadcast.jobs import BroadcastJob
from bot.core.records import Progress
from bot.telegram.commands.callbacks import BroadcastAction
from bot.telegram.rendering.fit import PREVIEW_ROOM, TEXT_LIMIT, shortened
from bot.telegram.rendering.measure import visible_length
from bot.telegram.texts.broadcasts import (
    BROADCAST_CANCEL,
    BROADCAST_CONFIRM,
    BROADCAST_LEFT_OUT,
    BROADCAST_LEFT_OUT_HEAD,
    BROADCAST_LEFT_OUT_LINE,
    BROADCAST_LIST_EMPTY,
    BROADCAST_LIST_HEAD,
    BROADCAST_LIST_LINE,
    BROADCAST_OUTCOME,
    BROADCAST_PREVIEW,
    BROADCAST_PROGRESS,
    BROADCAST_REASON_LINE,
    BROADCAST_REPORT,
    BROADCAST_SAMPLE,
    BROADCAST_STATES,
    BROADCAST_TIME_FORMAT,
)
from bot.telegram.texts.staff import FAILURE_REASONS


def buttons(job_id: int, *, go: bool) -> InlineKeyboardMarkup:
    stop = InlineKeyboardButton(
        text=BROADCAST_CANCEL,
        callback_data=BroadcastAction(job_id=job_id, action="stop").pack(),
    )
    if not go:
        return InlineKeyboardMarkup(inline_keyboard=[[stop]])
    confirm = InlineKeyboardButton(
        text=BROADCAST_CONFIRM,
        callback_data=BroadcastAction(job_id=job_id, action="go").pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[confirm, stop]])


def left_out_lines(left_out: dict[str, int]) -> str:
    if not left_out:
        return ""
    lines = [
        BROADCAST_LEFT_OUT_LINE.format(reason=BROADCAST_LEFT_OUT.get(reason, reason), count=count)
        for reason, count in sorted(left_out.items(), key=lambda item: -item[1])
    ]
    return BROADCAST_LEFT_OUT_HEAD + "".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes} мин {secs} с" if minutes else f"{secs} с"


def render_preview(preview: Preview) -> str:
    """The preview, its samples sharing what room the message leaves them (each text Ozon takes
    may be 1,000 characters, and Telegram counts an emoji twice)."""
    values = {
        "job_id": preview.job_id,
        "count": preview.count,
        "duration": _duration(preview.seconds),
        "left_out": left_out_lines(preview.left_out),
    }
    frames = [BROADCAST_SAMPLE.format(text="") for _ in preview.samples]
    room = TEXT_LIMIT - visible_length(
        BROADCAST_PREVIEW.format(samples="\n".join(frames), **values)
    )
    each = room // max(len(preview.samples), 1)
    samples = "\n".join(
        BROADCAST_SAMPLE.format(text=html.escape(shortened(sample, each)))
        for sample in preview.samples
    )
    return BROADCAST_PREVIEW.format(samples=samples, **values)


def render_progress(job: BroadcastJob, progress: Progress) -> str:
    return BROADCAST_PROGRESS.format(
        job_id=job.id,
        delivered=progress.delivered,
        total=progress.total,
        in_flight=progress.in_flight,
        failed=sum(progress.failed.values()),
    )


def render_report(job: BroadcastJob, progress: Progress) -> str:
    reasons = "".join(
        BROADCAST_REASON_LINE.format(
            reason=FAILURE_REASONS.get(reason, reason).split(":")[0].rstrip("."),
            count=count,
        )
        for reason, count in progress.failed.items()
    )
    return BROADCAST_REPORT.format(
        job_id=job.id,
        outcome=BROADCAST_OUTCOME.get(job.state, job.state),
        delivered=progress.delivered,
        total=progress.total,
        failed=sum(progress.failed.values()),
        reasons=reasons,
        skipped=progress.skipped + progress.in_flight,
    )


def render_list(jobs: list[BroadcastJob], tz: ZoneInfo) -> str:
    if not jobs:
        return BROADCAST_LIST_EMPTY
    lines = [BROADCAST_LIST_HEAD]
    for job in jobs:
        text = shortened(job.template, PREVIEW_ROOM)
        lines.append(
            BROADCAST_LIST_LINE.format(
                job_id=job.id,
                created=job.created_at.astimezone(tz).strftime(BROADCAST_TIME_FORMAT),
                state=BROADCAST_STATES.get(job.state, job.state),
                total=job.total,
                text=html.escape(text),
            )
        )
    return "\n".join(lines)
