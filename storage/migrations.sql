-- The schema's migrations, one ordered list: each starts at its `-- migration N:` line, N
-- counting from 1, and `PRAGMA user_version` holds how many have run (`storage/migrations.py`
-- reads them). Append new ones at the end; never edit one that has shipped. Ozon ids are TEXT:
-- they are uint64 values that can overflow SQLite's signed 64-bit INTEGER; canonical decimal
-- strings without leading zeros sort numerically with `ORDER BY length(id), id`.

-- migration 1: buyer chats and the messages that crossed the bridge.
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

-- migration 2: staff replies on their way to Ozon. A row is written before any network call; the
-- worker moves it queued -> sending -> delivered | failed. `ozon_message_id` links the
-- bridge's own message when it comes back in Ozon's history (never posted again).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          TEXT NOT NULL REFERENCES chats(chat_id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'file')),
    body             TEXT,
    file_id          TEXT,
    file_name        TEXT,
    tg_message_id    INTEGER,
    topic_id         INTEGER,
    part             INTEGER NOT NULL DEFAULT 0,
    parts            INTEGER NOT NULL DEFAULT 1,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT,
    reason           TEXT,
    detail           TEXT,
    retriable        INTEGER NOT NULL DEFAULT 0,
    notified         INTEGER NOT NULL DEFAULT 0,
    ozon_message_id  TEXT,
    created_at       TEXT NOT NULL,
    sending_at       TEXT,
    finished_at      TEXT,
    UNIQUE (tg_message_id, part)
);
CREATE INDEX outbox_open ON outbox(chat_id, id) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_unnotified ON outbox(tg_message_id)
    WHERE notified = 0 AND state IN ('delivered', 'failed');
CREATE INDEX outbox_echo ON outbox(chat_id, ozon_message_id);

-- migration 3: broadcasts. A job is previewed, confirmed, then fed into the outbox one recipient at a
-- time; a recipient row links to its outbox row, so a restart never sends twice.
CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY,
    admin_id             INTEGER NOT NULL,
    reply_chat_id        INTEGER NOT NULL,
    template             TEXT NOT NULL,
    filters              TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN
                         ('preview', 'running', 'done', 'cancelled', 'expired')),
    total                INTEGER NOT NULL DEFAULT 0,
    left_out             TEXT NOT NULL DEFAULT '{}',
    preview_message_id   INTEGER,
    progress_message_id  INTEGER,
    created_at           TEXT NOT NULL,
    confirmed_at         TEXT,
    finished_at          TEXT,
    reported             INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE broadcast_recipients (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    chat_id       TEXT NOT NULL REFERENCES chats(chat_id),
    body          TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'queued', 'skipped')),
    outbox_id     INTEGER REFERENCES outbox(id),
    PRIMARY KEY (broadcast_id, chat_id)
);
CREATE INDEX broadcast_pending ON broadcast_recipients(broadcast_id, state);
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);
ALTER TABLE chats ADD COLUMN buyer_id TEXT;
CREATE INDEX chats_by_buyer ON chats(buyer_id) WHERE buyer_id IS NOT NULL;

-- migration 4: when a post of a pending message was last handed to Telegram without an answer that
-- settled it (a crash, a lost answer). Telegram takes no idempotency key: such a message may
-- already be shown, and the next post of it says so.
ALTER TABLE messages ADD COLUMN post_started_at TEXT;

-- migration 5: the failed rows, indexed on their own, so that /healthz and /status count backlogs and
-- failures without reading tables that grow for months.
CREATE INDEX messages_failed ON messages(id) WHERE state = 'failed';
CREATE INDEX outbox_failed ON outbox(id) WHERE state = 'failed';

-- migration 6: every stored Telegram id belongs to the forum group it was made in: a database kept
-- when FORUM_CHAT_ID changes must not mistake the new group's topic and message ids for the
-- old group's. `meta` remembers the group the database is bound to; rows written before
-- this migration are claimed for it at the first start (see storage.forum). The outbox is
-- rebuilt, because its uniqueness on (tg_message_id, part) must include the group.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
ALTER TABLE chats ADD COLUMN forum_chat_id INTEGER;
DROP INDEX chats_by_topic;
CREATE UNIQUE INDEX chats_by_topic ON chats(forum_chat_id, topic_id)
    WHERE topic_id IS NOT NULL;
ALTER TABLE messages ADD COLUMN forum_chat_id INTEGER;

CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    chat_id          TEXT NOT NULL REFERENCES chats(chat_id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'file')),
    body             TEXT,
    file_id          TEXT,
    file_name        TEXT,
    forum_chat_id    INTEGER,
    tg_message_id    INTEGER,
    topic_id         INTEGER,
    part             INTEGER NOT NULL DEFAULT 0,
    parts            INTEGER NOT NULL DEFAULT 1,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT,
    reason           TEXT,
    detail           TEXT,
    retriable        INTEGER NOT NULL DEFAULT 0,
    notified         INTEGER NOT NULL DEFAULT 0,
    ozon_message_id  TEXT,
    created_at       TEXT NOT NULL,
    sending_at       TEXT,
    finished_at      TEXT,
    broadcast_id     INTEGER REFERENCES broadcasts(id),
    UNIQUE (forum_chat_id, tg_message_id, part)
);
INSERT INTO outbox_new (id, chat_id, kind, body, file_id, file_name, tg_message_id, topic_id,
                        part, parts, state, attempts, not_before, reason, detail, retriable,
                        notified, ozon_message_id, created_at, sending_at, finished_at,
                        broadcast_id)
    SELECT id, chat_id, kind, body, file_id, file_name, tg_message_id, topic_id,
           part, parts, state, attempts, not_before, reason, detail, retriable,
           notified, ozon_message_id, created_at, sending_at, finished_at, broadcast_id
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_open ON outbox(chat_id, id) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_unnotified ON outbox(forum_chat_id, tg_message_id)
    WHERE notified = 0 AND state IN ('delivered', 'failed');
CREATE INDEX outbox_echo ON outbox(chat_id, ozon_message_id);
CREATE INDEX outbox_failed ON outbox(id) WHERE state = 'failed';

-- migration 7: the album (Telegram's media group) a staff message belongs to: its caption is sent
-- after all of the album's pictures, however the album's messages arrive.
ALTER TABLE outbox ADD COLUMN album TEXT;

-- migration 8: whether the bridge has closed a chat's topic because Ozon closed the chat. Chats closed
-- before this migration keep their topics as they are (no burst of closings at the upgrade).
ALTER TABLE chats ADD COLUMN topic_closed INTEGER NOT NULL DEFAULT 0;
UPDATE chats SET topic_closed = 1 WHERE status = 'CLOSED';
CREATE INDEX chats_to_close ON chats(chat_id)
    WHERE status = 'CLOSED' AND topic_closed = 0 AND topic_id IS NOT NULL;

-- migration 9: a buyer's edit of a message already shown: the row is pending again with the new text
-- (`edited_at`), and its post answers the one that showed the old text (`edit_of`).
-- `moderation` is Ozon's moderate_image_status of a picture.
ALTER TABLE messages ADD COLUMN moderation TEXT;
ALTER TABLE messages ADD COLUMN edited_at TEXT;
ALTER TABLE messages ADD COLUMN edit_of INTEGER;

-- migration 10: a message Ozon sent in a shape the bridge cannot read is flagged as such; its notice is
-- worded where it is shown, no longer stored as its text.
ALTER TABLE messages ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET unreadable = 1, body = ''
    WHERE body = '⚠️ Бридж не смог прочитать это сообщение: Ozon прислал его в незнакомом '
                 || 'виде. Откройте чат в кабинете Ozon, чтобы его увидеть.';

-- migration 11: the help desk. A chat is waiting from the buyer's first message after the seller's
-- last, until a seller message is delivered (`waiting_periods` keeps every period, open or
-- ended, for the queue, the reminders and the statistics); `chats.desk` is the state now and
-- `icon_shown` what the topic's icon shows. The state of existing chats is derived from the
-- stored messages (Ozon ids compare as numbers: zero-padded to 20 digits, uint64's width).
-- Topics closed before this migration keep their look (no burst of icon edits at upgrade).
-- A topic now closes when the chat's desk state does (Ozon closed it and the buyer has not
-- written since), no longer while the list merely still says CLOSED.
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

-- migration 12: the statistics read buyer messages, the seller's cabinet messages and staff replies by
-- time range: partial indexes keep that from reading a year of history.
CREATE INDEX messages_buyer_by_time ON messages(created_at) WHERE author = 'CUSTOMER';
CREATE INDEX messages_cabinet_by_time ON messages(created_at)
    WHERE author = 'SELLER' AND state != 'echo';
CREATE INDEX outbox_replies_by_time ON outbox(finished_at)
    WHERE state = 'delivered' AND broadcast_id IS NULL AND part = 0;

-- migration 13: quick-reply templates, and each chat's order card: what Ozon said of the order the
-- chat is about (`facts`, JSON as the card shows it), the topic post that shows it, and the
-- rest of that post's text (it is edited in place when the card changes).
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

-- migration 14: when the help desk's own count begins (`meta` 'desk_since'): the periods migration 11
-- derived begin at old buyer messages, yet the desk saw nothing of those days. Run together
-- with 11 (or on a new database) that is now; a database that kept count before says so no
-- later than the first period the desk ended or reminded of. A period keeps the order card's
-- window as it was when the period ended (`reply_until`), so that the statistics judge a
-- missed window by the deadline of that time; those ended before take the card's window now.
ALTER TABLE waiting_periods ADD COLUMN reply_until TEXT;
UPDATE waiting_periods SET reply_until =
    (SELECT o.reply_until FROM order_cards AS o WHERE o.chat_id = waiting_periods.chat_id)
    WHERE ended_at IS NOT NULL;
INSERT OR IGNORE INTO meta (key, value)
SELECT 'desk_since', min(
    coalesce((SELECT min(ended_at) FROM waiting_periods), now),
    coalesce((SELECT min(sent_at) FROM reminders), now),
    now)
FROM (SELECT strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now') AS now);

-- migration 15: reply drafts. A request is a row (`asked`) before the model is asked; the writer
-- makes it `shown` with its text and post, staff make it `sent` or `cancelled`. One row per
-- `/draft` command, and per buyer message for automatic drafts (the unique indexes); the
-- sent ones join the outbox by their post (`message_id`) for the statistics.
CREATE TABLE drafts (
    id                  INTEGER PRIMARY KEY,
    source              TEXT NOT NULL,
    conversation        TEXT NOT NULL,
    forum_chat_id       INTEGER,
    topic_id            INTEGER NOT NULL,
    trigger             TEXT NOT NULL CHECK (trigger IN ('command', 'auto')),
    request_message_id  INTEGER,
    answers_id          TEXT,
    answers_at          TEXT,
    state               TEXT NOT NULL DEFAULT 'asked'
                        CHECK (state IN ('asked', 'shown', 'sent', 'cancelled', 'failed')),
    body                TEXT,
    flags               TEXT NOT NULL DEFAULT '',
    message_id          INTEGER,
    staff_id            INTEGER,
    staff_name          TEXT,
    detail              TEXT,
    asked_at            TEXT NOT NULL,
    finished_at         TEXT
);
CREATE UNIQUE INDEX drafts_by_request ON drafts(forum_chat_id, request_message_id)
    WHERE request_message_id IS NOT NULL;
CREATE UNIQUE INDEX drafts_auto_once ON drafts(source, conversation, answers_id)
    WHERE trigger = 'auto';
CREATE INDEX drafts_asked ON drafts(id) WHERE state = 'asked';
CREATE INDEX drafts_by_post ON drafts(forum_chat_id, message_id)
    WHERE message_id IS NOT NULL;

-- migration 16: whether the post showing a chat's order card opens a recreated topic (its opening
-- says that the earlier topic was deleted, and keeps saying so when the card is edited in).
-- A card's reply window now follows what each posting is (a cancelled one extends nothing,
-- a delivered one counts from its handing over): the cards of the chats waiting now, whose
-- window /queue and the reminders count down, are read again (the others keep theirs until
-- their chat next names its order, or `/card`).
ALTER TABLE order_cards ADD COLUMN recreated INTEGER NOT NULL DEFAULT 0;
UPDATE order_cards SET state = 'wanted', attempts = 0, not_before = NULL
    WHERE state = 'complete'
      AND chat_id IN (SELECT chat_id FROM waiting_periods WHERE ended_at IS NULL);

-- migration 17: reviews and product questions (`storage.feedback`). Each is recorded once, before it is
-- posted in its topic (`feedback_topics`: one per kind and forum group); `feedback_posts`
-- maps every Telegram message of a post (an album's pictures too) to its item, so that a
-- staff reply to any of them answers it; `feedback_sources` keeps each kind's first-sight
-- line and Ozon's counts at the last poll; question reminders are claimed once per
-- threshold. The outbox is rebuilt to carry answers too: a row goes to a buyer chat
-- (`target` 'chat', `chat_id` set) or to a review or question (`target_id`, and a question's
-- `target_sku`); rows still go in order per chat, or per review or question.
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    chat_id          TEXT REFERENCES chats(chat_id),
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'file')),
    body             TEXT,
    file_id          TEXT,
    file_name        TEXT,
    forum_chat_id    INTEGER,
    tg_message_id    INTEGER,
    topic_id         INTEGER,
    part             INTEGER NOT NULL DEFAULT 0,
    parts            INTEGER NOT NULL DEFAULT 1,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT,
    reason           TEXT,
    detail           TEXT,
    retriable        INTEGER NOT NULL DEFAULT 0,
    notified         INTEGER NOT NULL DEFAULT 0,
    ozon_message_id  TEXT,
    created_at       TEXT NOT NULL,
    sending_at       TEXT,
    finished_at      TEXT,
    broadcast_id     INTEGER REFERENCES broadcasts(id),
    album            TEXT,
    staff_id         INTEGER,
    staff_name       TEXT,
    target           TEXT NOT NULL DEFAULT 'chat'
                     CHECK (target IN ('chat', 'review', 'question')),
    target_id        TEXT,
    target_sku       TEXT,
    UNIQUE (forum_chat_id, tg_message_id, part),
    CHECK ((target = 'chat') = (chat_id IS NOT NULL)),
    CHECK ((target = 'chat') = (target_id IS NULL))
);
INSERT INTO outbox_new (id, chat_id, kind, body, file_id, file_name, forum_chat_id,
                        tg_message_id, topic_id, part, parts, state, attempts, not_before,
                        reason, detail, retriable, notified, ozon_message_id, created_at,
                        sending_at, finished_at, broadcast_id, album, staff_id, staff_name)
    SELECT id, chat_id, kind, body, file_id, file_name, forum_chat_id,
           tg_message_id, topic_id, part, parts, state, attempts, not_before,
           reason, detail, retriable, notified, ozon_message_id, created_at,
           sending_at, finished_at, broadcast_id, album, staff_id, staff_name
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_open ON outbox(chat_id, target_id, id) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_unnotified ON outbox(forum_chat_id, tg_message_id)
    WHERE notified = 0 AND state IN ('delivered', 'failed');
CREATE INDEX outbox_echo ON outbox(chat_id, ozon_message_id);
CREATE INDEX outbox_failed ON outbox(id) WHERE state = 'failed';
CREATE INDEX outbox_replies_by_time ON outbox(finished_at)
    WHERE state = 'delivered' AND broadcast_id IS NULL AND part = 0;

CREATE TABLE feedback (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('review', 'question')),
    ozon_id          TEXT NOT NULL,
    published_at     TEXT NOT NULL,
    text             TEXT NOT NULL,
    sku              TEXT,
    product          TEXT,
    rating           INTEGER,
    order_status     TEXT,
    author           TEXT,
    link             TEXT,
    photos           TEXT NOT NULL DEFAULT '[]',
    photos_amount    INTEGER NOT NULL DEFAULT 0,
    post             TEXT NOT NULL CHECK (post IN ('pending', 'posted', 'skipped')),
    forum_chat_id    INTEGER,
    message_id       INTEGER,
    caption          INTEGER NOT NULL DEFAULT 0,
    post_started_at  TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT NOT NULL DEFAULT 'open'
                     CHECK (outcome IN ('open', 'answered', 'cabinet', 'done')),
    answered_at      TEXT,
    staff_id         INTEGER,
    staff_name       TEXT,
    shown            TEXT NOT NULL DEFAULT 'open'
                     CHECK (shown IN ('open', 'answered', 'cabinet', 'done')),
    status_wanted    TEXT,
    recorded_at      TEXT NOT NULL,
    UNIQUE (kind, ozon_id)
);
CREATE INDEX feedback_to_post ON feedback(id) WHERE post = 'pending';
CREATE INDEX feedback_to_show ON feedback(id) WHERE post = 'posted' AND shown != outcome;
CREATE INDEX feedback_status_due ON feedback(id) WHERE status_wanted IS NOT NULL;
CREATE INDEX feedback_open ON feedback(kind, published_at)
    WHERE outcome = 'open' AND post != 'skipped';
CREATE INDEX feedback_by_time ON feedback(kind, published_at);

CREATE TABLE feedback_posts (
    forum_chat_id  INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    item_id        INTEGER NOT NULL REFERENCES feedback(id),
    PRIMARY KEY (forum_chat_id, message_id)
) WITHOUT ROWID;

CREATE TABLE feedback_topics (
    forum_chat_id  INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('review', 'question')),
    topic_id       INTEGER NOT NULL,
    PRIMARY KEY (forum_chat_id, kind)
) WITHOUT ROWID;

CREATE TABLE feedback_sources (
    kind    TEXT PRIMARY KEY CHECK (kind IN ('review', 'question')),
    since   TEXT NOT NULL,
    counts  TEXT
);

CREATE TABLE feedback_reminders (
    item_id    INTEGER NOT NULL REFERENCES feedback(id),
    threshold  INTEGER NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (item_id, threshold)
) WITHOUT ROWID;
