"""Which forum group the database's Telegram ids belong to.

Topic ids and message ids are only unique within one Telegram chat. The database remembers the
group it works for (`meta.forum_chat_id`) and every row that holds a Telegram id records its group,
so that when the operator points the bridge at a new group (`FORUM_CHAT_ID` changed, the old
database kept) the new group's ids are never mistaken for the old group's: buyer chats get new
topics in the new group as they write, and a staff message there is never matched with a row of
the old one.
"""

from __future__ import annotations

import logging

from storage.db import Database

log = logging.getLogger(__name__)

FORUM_KEY = "forum_chat_id"


async def bind_forum(db: Database, forum_chat_id: int) -> int | None:
    """Read the database for `forum_chat_id` from now on; returns the group it was bound to
    before when that was another one (None otherwise).

    The first time (a new database, or one written before ids carried their group) the rows
    already there are claimed for this group. Staff messages of another group whose outcome was
    never shown are closed: their reactions could only land on unrelated messages here.
    """
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT value FROM meta WHERE key = ?", (FORUM_KEY,))
        previous = None if row is None else int(row["value"])
        if previous is None:
            for table, column in (
                ("chats", "topic_id"),
                ("messages", "tg_message_id"),
                ("outbox", "tg_message_id"),
            ):
                await tx.execute(
                    f"UPDATE {table} SET forum_chat_id = ? "  # noqa: S608 - names above
                    f"WHERE forum_chat_id IS NULL AND {column} IS NOT NULL",
                    (forum_chat_id,),
                )
        if previous != forum_chat_id:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FORUM_KEY, str(forum_chat_id)),
            )
            await tx.execute(
                "UPDATE outbox SET notified = 1 WHERE forum_chat_id != ? AND notified = 0 "
                "AND state IN ('delivered', 'failed')",
                (forum_chat_id,),
            )
    db.forum_chat_id = forum_chat_id
    if previous is not None and previous != forum_chat_id:
        log.warning(
            "FORUM_CHAT_ID changed from %s to %s: buyer chats get new topics in the new group "
            "as they write; the old group is left as it is",
            previous,
            forum_chat_id,
        )
        return previous
    return None
