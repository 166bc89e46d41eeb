"""Migrations 11 onwards (`storage.migrations` numbers them all): the help desk, its statistics,
quick-reply templates and order cards. Append here; never edit one that has shipped."""

from __future__ import annotations

DESK_MIGRATIONS: tuple[str, ...] = (
    # 11: the help desk. A chat is waiting from the buyer's first message after the seller's
    # last, until a seller message is delivered (`waiting_periods` keeps every period, open or
    # ended, for the queue, the reminders and the statistics); `chats.desk` is the state now and
    # `icon_shown` what the topic's icon shows. The state of existing chats is derived from the
    # stored messages (Ozon ids compare as numbers: zero-padded to 20 digits, uint64's width).
    # Topics closed before this migration keep their look (no burst of icon edits at upgrade).
    # A topic now closes when the chat's desk state does (Ozon closed it and the buyer has not
    # written since), no longer while the list merely still says CLOSED.
    """
    ALTER TABLE chats ADD COLUMN desk TEXT NOT NULL DEFAULT 'answered'
        CHECK (desk IN ('waiting', 'answered', 'closed'));
    ALTER TABLE chats ADD COLUMN answered_at TEXT;
    ALTER TABLE chats ADD COLUMN icon_shown TEXT;
    ALTER TABLE chats ADD COLUMN topic_name TEXT;
    ALTER TABLE outbox ADD COLUMN staff_id INTEGER;
    ALTER TABLE outbox ADD COLUMN staff_name TEXT;

    CREATE TABLE waiting_periods (
        id                INTEGER PRIMARY KEY,
        chat_id           TEXT NOT NULL REFERENCES chats(chat_id),
        began_at          TEXT NOT NULL,
        first_message_id  TEXT,
        last_buyer_at     TEXT NOT NULL,
        ended_at          TEXT,
        ended_by          TEXT CHECK (ended_by IN ('telegram', 'cabinet', 'done', 'closed')),
        staff_id          INTEGER,
        staff_name        TEXT,
        CHECK ((ended_at IS NULL) = (ended_by IS NULL))
    );
    CREATE UNIQUE INDEX waiting_one_open ON waiting_periods(chat_id) WHERE ended_at IS NULL;
    CREATE INDEX waiting_open ON waiting_periods(began_at) WHERE ended_at IS NULL;
    CREATE INDEX waiting_by_start ON waiting_periods(began_at);
    CREATE INDEX waiting_by_end ON waiting_periods(ended_at) WHERE ended_at IS NOT NULL;

    CREATE TABLE reminders (
        period_id  INTEGER NOT NULL REFERENCES waiting_periods(id),
        threshold  INTEGER NOT NULL,
        sent_at    TEXT NOT NULL,
        PRIMARY KEY (period_id, threshold)
    ) WITHOUT ROWID;

    WITH said AS (
        SELECT chat_id, author, created_at, message_id,
               substr('00000000000000000000' || message_id, -20) AS k
        FROM messages WHERE author IN ('CUSTOMER', 'SELLER')
    ),
    last_seller AS (
        SELECT chat_id, max(k) AS k FROM said WHERE author = 'SELLER' GROUP BY chat_id
    ),
    unanswered AS (
        SELECT b.chat_id, min(b.k) AS first_k, max(b.created_at) AS last_at
        FROM said AS b LEFT JOIN last_seller AS s ON s.chat_id = b.chat_id
        WHERE b.author = 'CUSTOMER' AND (s.k IS NULL OR b.k > s.k)
        GROUP BY b.chat_id
    )
    INSERT INTO waiting_periods (chat_id, began_at, first_message_id, last_buyer_at)
    SELECT u.chat_id, m.created_at, m.message_id, u.last_at
    FROM unanswered AS u
    JOIN said AS m ON m.chat_id = u.chat_id AND m.k = u.first_k
    JOIN chats AS c ON c.chat_id = u.chat_id
    WHERE c.status != 'CLOSED';

    UPDATE chats SET
        desk = CASE
            WHEN EXISTS (SELECT 1 FROM waiting_periods AS w WHERE w.chat_id = chats.chat_id)
            THEN 'waiting'
            WHEN status = 'CLOSED' THEN 'closed'
            ELSE 'answered' END,
        answered_at = (SELECT max(created_at) FROM messages AS m
                       WHERE m.chat_id = chats.chat_id AND m.author = 'SELLER');
    UPDATE chats SET icon_shown = 'closed' WHERE desk = 'closed' AND topic_closed = 1;
    DROP INDEX chats_to_close;
    CREATE INDEX chats_to_close ON chats(chat_id)
        WHERE desk = 'closed' AND topic_closed = 0 AND topic_id IS NOT NULL;
    CREATE INDEX chats_icon_due ON chats(forum_chat_id, desk)
        WHERE topic_id IS NOT NULL AND icon_shown IS NOT desk;
    """,
    # 12: the statistics read buyer messages, the seller's cabinet messages and staff replies by
    # time range: partial indexes keep that from reading a year of history.
    """
    CREATE INDEX messages_buyer_by_time ON messages(created_at) WHERE author = 'CUSTOMER';
    CREATE INDEX messages_cabinet_by_time ON messages(created_at)
        WHERE author = 'SELLER' AND state != 'echo';
    CREATE INDEX outbox_replies_by_time ON outbox(finished_at)
        WHERE state = 'delivered' AND broadcast_id IS NULL AND part = 0;
    """,
    # 13: quick-reply templates, and each chat's order card: what Ozon said of the order the
    # chat is about (`facts`, JSON as the card shows it), the topic post that shows it, and the
    # rest of that post's text (it is edited in place when the card changes).
    """
    CREATE TABLE templates (
        name        TEXT PRIMARY KEY,
        body        TEXT NOT NULL,
        author_id   INTEGER,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE order_cards (
        chat_id        TEXT PRIMARY KEY REFERENCES chats(chat_id),
        order_number   TEXT,
        sku            TEXT,
        facts          TEXT,
        state          TEXT NOT NULL DEFAULT 'wanted'
                       CHECK (state IN ('wanted', 'partial', 'complete')),
        attempts       INTEGER NOT NULL DEFAULT 0,
        not_before     TEXT,
        reply_until    TEXT,
        forum_chat_id  INTEGER,
        message_id     INTEGER,
        tail           TEXT,
        tail_kind      TEXT CHECK (tail_kind IN ('text', 'caption')),
        shown          TEXT,
        pinned         INTEGER NOT NULL DEFAULT 0,
        updated_at     TEXT NOT NULL
    );
    CREATE INDEX cards_wanted ON order_cards(chat_id) WHERE state != 'complete';
    """,
)
