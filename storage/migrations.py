"""Numbered schema migrations. `PRAGMA user_version` holds how many have run.

Append new migrations; never edit one that has shipped. Ozon ids are TEXT: they are uint64 values
that can overflow SQLite's signed 64-bit INTEGER. Canonical decimal strings without leading zeros
sort numerically with `ORDER BY length(id), id`.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: buyer chats and the messages that crossed the bridge.
    """
    CREATE TABLE chats (
        chat_id          TEXT PRIMARY KEY,
        chat_type        TEXT NOT NULL,
        status           TEXT NOT NULL,
        created_at       TEXT,
        order_number     TEXT,
        sku              TEXT,
        topic_id         INTEGER,
        topic_fresh      INTEGER NOT NULL DEFAULT 0,
        sync_cursor      TEXT,
        last_message_id  TEXT,
        unread_count     INTEGER NOT NULL DEFAULT 0,
        last_buyer_at    TEXT,
        sync_error       TEXT,
        first_seen_at    TEXT NOT NULL,
        updated_at       TEXT NOT NULL
    );
    CREATE UNIQUE INDEX chats_by_topic ON chats(topic_id) WHERE topic_id IS NOT NULL;

    CREATE TABLE messages (
        id             INTEGER PRIMARY KEY,
        chat_id        TEXT NOT NULL REFERENCES chats(chat_id),
        message_id     TEXT NOT NULL,
        direction      TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        author         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        body           TEXT NOT NULL,
        is_image       INTEGER NOT NULL DEFAULT 0,
        state          TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'echo', 'failed')),
        tg_message_id  INTEGER,
        attempts       INTEGER NOT NULL DEFAULT 0,
        last_error     TEXT,
        recorded_at    TEXT NOT NULL,
        posted_at      TEXT,
        UNIQUE (chat_id, message_id)
    );
    CREATE INDEX messages_pending ON messages(chat_id, id) WHERE state = 'pending';
    """,
)
