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

from storage.chats import ChatRepository
from storage.db import Database
from storage.messages import MessageRepository
from storage.meta import MetaRepository
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

FORUM_KEY = "forum_chat_id"


async def bind_forum(db: Database, forum_chat_id: int) -> int | None:
    """Read the database for `forum_chat_id` from now on; returns the group it was bound to
    before when that was another one (None otherwise).

    The first time (a new database, or one written before ids carried their group) the rows
    already there are claimed for this group. Staff messages of another group whose outcome was
    never shown are closed: their reactions could only land on unrelated messages here.
    """
    meta = MetaRepository()
    async with db.transaction() as tx:
        stored = await meta.get(tx, FORUM_KEY)
        previous = None if stored is None else int(stored)
        if previous is None:
            await ChatRepository(db).claim_forum(tx, forum_chat_id)
            await MessageRepository(db).claim_forum(tx, forum_chat_id)
            await OutboxRepository(db).claim_forum(tx, forum_chat_id)
        if previous != forum_chat_id:
            await meta.set(tx, FORUM_KEY, str(forum_chat_id))
            await OutboxRepository(db).close_other_forums(tx, forum_chat_id)
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
