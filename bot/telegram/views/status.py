"""`/status` in words: the bridge's state as the core reports it
(`bot.core.ops.status.Snapshot`)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.ops.status import Snapshot
from bot.telegram.texts.admin import (
    STATUS,
    STATUS_AGO,
    STATUS_DB_DOWN,
    STATUS_DB_OK,
    STATUS_DB_READONLY,
    STATUS_FAILED_POSTS,
    STATUS_FAILING_CHATS,
    STATUS_NEVER,
    STATUS_PUSH_OFF,
    STATUS_PUSH_ON,
    STATUS_SANDBOX,
    STATUS_SYNC_ERROR,
    STATUS_TELEGRAM_OK,
    STATUS_TELEGRAM_PROBLEM,
    STATUS_TIME_FORMAT,
    STATUS_TOPICS_PROBLEM,
)
from bot.telegram.texts.desk import STATUS_DESK, STATUS_DESK_OLDEST, STATUS_ICONS_OFF
from bot.telegram.texts.feedback import STATUS_FEEDBACK_OFF, STATUS_WHAT, WHY_OFF
from bot.telegram.views.desk import duration


def render_status(snap: Snapshot, tz: ZoneInfo) -> str:
    if snap.last_sync is None:
        last_sync = STATUS_NEVER
    else:
        ago = int((datetime.now(UTC) - snap.last_sync).total_seconds())
        last_sync = STATUS_AGO.format(
            time=snap.last_sync.astimezone(tz).strftime(STATUS_TIME_FORMAT), seconds=ago
        )
    return STATUS.format(
        sandbox=STATUS_SANDBOX if snap.sandbox else "",
        version=html.escape(snap.version),
        database=_database_line(snap),
        last_sync=last_sync,
        sync_error=_sync_lines(snap),
        pending_posts=snap.pending_posts,
        failed_posts=STATUS_FAILED_POSTS.format(count=snap.failed_posts)
        if snap.failed_posts
        else "",
        outbox_open=snap.outbox_open,
        outbox_failed=snap.outbox_failed,
        desk=_desk_lines(snap),
        push=STATUS_PUSH_ON.format(queue=snap.push_queue) if snap.push_enabled else STATUS_PUSH_OFF,
        telegram=_telegram_line(snap),
    )


def _database_line(snap: Snapshot) -> str:
    if not snap.database_ok:
        return STATUS_DB_DOWN
    if snap.write_problem:
        return STATUS_DB_READONLY.format(problem=html.escape(snap.write_problem))
    return STATUS_DB_OK


def _telegram_line(snap: Snapshot) -> str:
    lines = []
    if snap.telegram_problem:
        lines.append(STATUS_TELEGRAM_PROBLEM.format(problem=html.escape(snap.telegram_problem)))
    if snap.topics_problem:
        lines.append(STATUS_TOPICS_PROBLEM.format(problem=html.escape(snap.topics_problem)))
    return "\n".join(lines) or STATUS_TELEGRAM_OK


def _desk_lines(snap: Snapshot) -> str:
    oldest = ""
    if snap.longest_wait is not None:
        oldest = STATUS_DESK_OLDEST.format(waited=duration(snap.longest_wait))
    lines = STATUS_DESK.format(waiting=snap.waiting, oldest=oldest)
    if snap.icons_problem:
        lines += STATUS_ICONS_OFF.format(problem=html.escape(snap.icons_problem))
    for kind, off in sorted(snap.feedback_off.items()):
        lines += STATUS_FEEDBACK_OFF.format(what=STATUS_WHAT[kind], why=WHY_OFF[kind][off])
    return lines


def _sync_lines(snap: Snapshot) -> str:
    lines = ""
    if snap.sync_error:
        lines += STATUS_SYNC_ERROR.format(error=html.escape(snap.sync_error))
    if snap.failing_chats:
        shown = ", ".join(f"<code>{html.escape(c)}</code>" for c in snap.failing_chats[:5])
        lines += STATUS_FAILING_CHATS.format(count=len(snap.failing_chats), chats=shown)
    return lines
