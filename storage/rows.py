"""Stored rows read back as the values of `bot.core.records`."""

from __future__ import annotations

import json

import aiosqlite

from bot.core.records import (
    BroadcastRow,
    ChatRow,
    MessageRow,
    OutboxRow,
    Staff,
    WaitingPeriod,
    ozon_id,
)
from bot.core.states import (
    BroadcastState,
    ChatStatus,
    DeskState,
    Direction,
    EndedBy,
    FailureReason,
    MessageState,
    OutboxKind,
    OutboxState,
    OutboxTarget,
)
from storage.db import from_db_time


def chat_row(row: aiosqlite.Row, forum_chat_id: int | None) -> ChatRow:
    """A stored chat; with `forum_chat_id`, a topic of another forum group reads as none (the
    chat gets a new topic in this group when it next has something to show). An order or SKU
    stored as Ozon's "0" (before it was read as none) reads as none."""
    first_seen = from_db_time(row["first_seen_at"])
    assert first_seen is not None
    here = forum_chat_id is None or row["forum_chat_id"] == forum_chat_id
    return ChatRow(
        chat_id=row["chat_id"],
        chat_type=row["chat_type"],
        status=ChatStatus(row["status"]),
        created_at=from_db_time(row["created_at"]),
        order_number=ozon_id(row["order_number"]),
        sku=ozon_id(row["sku"]),
        topic_id=row["topic_id"] if here else None,
        topic_fresh=bool(row["topic_fresh"]) and here,
        sync_cursor=row["sync_cursor"],
        last_message_id=row["last_message_id"],
        unread_count=row["unread_count"],
        last_buyer_at=from_db_time(row["last_buyer_at"]),
        sync_error=row["sync_error"],
        first_seen_at=first_seen,
        buyer_id=row["buyer_id"],
        topic_closed=bool(row["topic_closed"]),
        desk=DeskState(row["desk"]),
        answered_at=from_db_time(row["answered_at"]),
        icon_shown=DeskState(row["icon_shown"]) if row["icon_shown"] and here else None,
        topic_name=row["topic_name"] if here else None,
    )


def message_row(row: aiosqlite.Row) -> MessageRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return MessageRow(
        id=row["id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        direction=Direction(row["direction"]),
        author=row["author"],
        created_at=created,
        body=row["body"],
        is_image=bool(row["is_image"]),
        state=MessageState(row["state"]),
        tg_message_id=row["tg_message_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        post_started_at=from_db_time(row["post_started_at"]),
        moderation=row["moderation"],
        edited_at=from_db_time(row["edited_at"]),
        edit_of=row["edit_of"],
        unreadable=bool(row["unreadable"]),
    )


def outbox_row(row: aiosqlite.Row) -> OutboxRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return OutboxRow(
        id=row["id"],
        chat_id=row["chat_id"],
        kind=OutboxKind(row["kind"]),
        body=row["body"],
        file_id=row["file_id"],
        file_name=row["file_name"],
        forum_chat_id=row["forum_chat_id"],
        tg_message_id=row["tg_message_id"],
        topic_id=row["topic_id"],
        part=row["part"],
        parts=row["parts"],
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        not_before=from_db_time(row["not_before"]),
        reason=FailureReason(row["reason"]) if row["reason"] else None,
        detail=row["detail"],
        retriable=bool(row["retriable"]),
        ozon_message_id=row["ozon_message_id"],
        created_at=created,
        sending_at=from_db_time(row["sending_at"]),
        broadcast_id=row["broadcast_id"],
        staff=None if row["staff_name"] is None else Staff(row["staff_id"], row["staff_name"]),
        target=OutboxTarget(row["target"]),
        target_id=row["target_id"],
        target_sku=row["target_sku"],
    )


def broadcast_row(row: aiosqlite.Row) -> BroadcastRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return BroadcastRow(
        id=row["id"],
        admin_id=row["admin_id"],
        reply_chat_id=row["reply_chat_id"],
        template=row["template"],
        filters=json.loads(row["filters"]),
        state=BroadcastState(row["state"]),
        total=row["total"],
        left_out=json.loads(row["left_out"]),
        preview_message_id=row["preview_message_id"],
        progress_message_id=row["progress_message_id"],
        created_at=created,
        reported=bool(row["reported"]),
    )


def waiting_period(row: aiosqlite.Row) -> WaitingPeriod:
    """A period read with its reply window's extension as `period_until` (see storage.desk)."""
    began, last = from_db_time(row["began_at"]), from_db_time(row["last_buyer_at"])
    assert began is not None
    assert last is not None
    ended_by = row["ended_by"]
    staff_name = row["staff_name"]
    return WaitingPeriod(
        id=row["id"],
        chat_id=row["chat_id"],
        began_at=began,
        last_buyer_at=last,
        ended_at=from_db_time(row["ended_at"]),
        ended_by=EndedBy(ended_by) if ended_by else None,
        staff=None if staff_name is None else Staff(row["staff_id"], staff_name),
        reply_until=from_db_time(row["period_until"]),
    )
