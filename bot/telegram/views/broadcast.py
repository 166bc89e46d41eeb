"""`/broadcast` in words and buttons: the preview, the progress line, the report, the list."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.broadcast.command import Preview
from bot.core.broadcast.jobs import BroadcastJob
from bot.core.model import Progress
from bot.telegram import texts
from bot.telegram.commands.callbacks import BroadcastAction


def buttons(job_id: int, *, go: bool) -> InlineKeyboardMarkup:
    stop = InlineKeyboardButton(
        text=texts.BROADCAST_CANCEL,
        callback_data=BroadcastAction(job_id=job_id, action="stop").pack(),
    )
    if not go:
        return InlineKeyboardMarkup(inline_keyboard=[[stop]])
    confirm = InlineKeyboardButton(
        text=texts.BROADCAST_CONFIRM,
        callback_data=BroadcastAction(job_id=job_id, action="go").pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[confirm, stop]])


def left_out_lines(left_out: dict[str, int]) -> str:
    if not left_out:
        return ""
    lines = [
        texts.BROADCAST_LEFT_OUT_LINE.format(
            reason=texts.BROADCAST_LEFT_OUT.get(reason, reason), count=count
        )
        for reason, count in sorted(left_out.items(), key=lambda item: -item[1])
    ]
    return texts.BROADCAST_LEFT_OUT_HEAD + "".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes} мин {secs} с" if minutes else f"{secs} с"


def render_preview(preview: Preview) -> str:
    samples = "\n".join(
        texts.BROADCAST_SAMPLE.format(text=html.escape(sample)) for sample in preview.samples
    )
    return texts.BROADCAST_PREVIEW.format(
        job_id=preview.job_id,
        count=preview.count,
        duration=_duration(preview.seconds),
        left_out=left_out_lines(preview.left_out),
        samples=samples,
    )


def render_progress(job: BroadcastJob, progress: Progress) -> str:
    return texts.BROADCAST_PROGRESS.format(
        job_id=job.id,
        delivered=progress.delivered,
        total=progress.total,
        in_flight=progress.in_flight,
        failed=sum(progress.failed.values()),
    )


def render_report(job: BroadcastJob, progress: Progress) -> str:
    reasons = "".join(
        texts.BROADCAST_REASON_LINE.format(
            reason=texts.FAILURE_REASONS.get(reason, reason).split(":")[0].rstrip("."),
            count=count,
        )
        for reason, count in progress.failed.items()
    )
    return texts.BROADCAST_REPORT.format(
        job_id=job.id,
        outcome=texts.BROADCAST_OUTCOME.get(job.state, job.state),
        delivered=progress.delivered,
        total=progress.total,
        failed=sum(progress.failed.values()),
        reasons=reasons,
        skipped=progress.skipped + progress.in_flight,
    )


def render_list(jobs: list[BroadcastJob], tz: ZoneInfo) -> str:
    if not jobs:
        return texts.BROADCAST_LIST_EMPTY
    lines = [texts.BROADCAST_LIST_HEAD]
    for job in jobs:
        text = job.template if len(job.template) <= 60 else job.template[:57] + "…"
        lines.append(
            texts.BROADCAST_LIST_LINE.format(
                job_id=job.id,
                created=job.created_at.astimezone(tz).strftime(texts.BROADCAST_TIME_FORMAT),
                state=texts.BROADCAST_STATES.get(job.state, job.state),
                total=job.total,
                text=html.escape(text),
            )
        )
    return "\n".join(lines)
