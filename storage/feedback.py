"""Product reviews and questions as the bridge keeps them: the only writer of `feedback`,
`feedback_posts` and `feedback_sources`.

An item is recorded once (unique on kind and Ozon id), in the same transaction that moves its
kind's counts, before anything is posted; its post is `pending` until Telegram took it, or
`skipped` when it is never to be posted. Its outcome (open, answered from Telegram, handled in
Ozon's cabinet, done) moves on its own, and `shown` says which outcome its post shows, so that a
changed outcome is edited in once. A status the bridge owes Ozon (`PROCESSED` after an answer or
`/done`) is kept in `status_wanted` until it is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.core.records import FeedbackItem, FeedbackSource, NewFeedback, Staff
from bot.core.states import OUTBOX_OPEN, FeedbackKind, FeedbackOutcome, FeedbackPost
from storage.db import Database, Transaction, from_db_time, state_in, to_db_time, utcnow

PROCESSED = "PROCESSED"
_ANSWER_OPEN = state_in(OUTBOX_OPEN)
_INSERT = """
    INSERT INTO feedback (kind, ozon_id, published_at, text, sku, product, rating, order_status,
                          author, link, photos, photos_amount, post, recorded_at)
    VALUES (:kind, :ozon_id, :published_at, :text, :sku, :product, :rating, :order_status,
            :author, :link, :photos, :photos_amount, :post, :recorded_at)
    ON CONFLICT (kind, ozon_id) DO NOTHING
"""


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- what Ozon's lists showed ----------------------------------------------------------

    async def source(self, kind: FeedbackKind) -> FeedbackSource | None:
        row = await self._db.fetch_one("SELECT * FROM feedback_sources WHERE kind = ?", (kind,))
        if row is None:
            return None
        since = from_db_time(row["since"])
        assert since is not None
        counts = tuple(json.loads(row["counts"])) if row["counts"] else None
        return FeedbackSource(kind, since, counts)

    async def known(
        self, kind: FeedbackKind, ozon_ids: Iterable[str]
    ) -> dict[str, FeedbackOutcome]:
        """Of these ids, those recorded, with what became of them."""
        wanted = list(dict.fromkeys(ozon_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = await self._db.fetch_all(
            f"SELECT ozon_id, outcome FROM feedback WHERE kind = ? AND ozon_id IN ({marks})",  # noqa: S608
            (kind, *wanted),
        )
        return {row["ozon_id"]: FeedbackOutcome(row["outcome"]) for row in rows}

    async def oldest_open(self, kind: FeedbackKind) -> datetime | None:
        """When the oldest item nobody has answered yet was published (skipped ones aside)."""
        value = await self._db.fetch_value(
            "SELECT min(published_at) FROM feedback INDEXED BY feedback_open "
            "WHERE kind = ? AND outcome = 'open' AND post != 'skipped'",
            (kind,),
        )
        return from_db_time(value)

    async def record(
        self,
        source: FeedbackSource,
        *,
        new: Sequence[NewFeedback] = (),
        skipped: Sequence[NewFeedback] = (),
        handled: Sequence[str] = (),
    ) -> int:
        """One poll's findings, in one transaction: `new` items to post, `skipped` ones never
        to post, the open items Ozon now shows `handled` (in its cabinet), and the kind's
        first-sight line and counts (`source`). Returns how many items were new."""
        now = to_db_time(utcnow())
        added = 0
        async with self._db.transaction() as tx:
            for items, post in ((new, FeedbackPost.PENDING), (skipped, FeedbackPost.SKIPPED)):
                for item in items:
                    added += await tx.execute(_INSERT, _values(item, post, now))
            for ozon_id in handled:
                # Not while an answer from Telegram is on its way: Ozon shows the review
                # processed by that answer's own comment, which then proves it arrived.
                await tx.execute(
                    f"""
                    UPDATE feedback SET outcome = ?, answered_at = ?
                    WHERE kind = ? AND ozon_id = ? AND outcome = ? AND NOT EXISTS (
                        SELECT 1 FROM outbox WHERE target = feedback.kind
                        AND target_id = feedback.ozon_id AND {_ANSWER_OPEN})
                    """,  # noqa: S608 - constants
                    (FeedbackOutcome.CABINET, now, source.kind, ozon_id, FeedbackOutcome.OPEN),
                )
            await tx.execute(
                "INSERT INTO feedback_sources (kind, since, counts) VALUES (?, ?, ?) "
                "ON CONFLICT (kind) DO UPDATE SET since = excluded.since, counts = excluded.counts",
                (
                    source.kind,
                    to_db_time(source.since),
                    None if source.counts is None else json.dumps(list(source.counts)),
                ),
            )
        return added

    # ---- posts -----------------------------------------------------------------------------

    async def to_post(self, limit: int = 20) -> list[FeedbackItem]:
        """Items waiting for their post, oldest recorded first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM feedback INDEXED BY feedback_to_post WHERE post = 'pending' "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        return [self._item(row) for row in rows]

    async def posts_waiting(self) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT count(*) FROM feedback INDEXED BY feedback_to_post WHERE post = 'pending'"
            )
        )

    async def post_started(self, item_id: int) -> None:
        """A post of it is about to go to Telegram: until it is settled, it may be shown."""
        await self._db.execute(
            "UPDATE feedback SET post_started_at = ? WHERE id = ?", (to_db_time(utcnow()), item_id)
        )

    async def posted(
        self, item_id: int, shown_in: int, messages: Sequence[int], *, caption: bool
    ) -> None:
        """Telegram took its post: `shown_in` carries its text (a caption when `caption`), and
        a reply to any of `messages` answers it."""
        forum = self._db.forum_chat_id
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE feedback SET post = ?, forum_chat_id = ?, message_id = ?, caption = ?, "
                "post_started_at = NULL WHERE id = ?",
                (FeedbackPost.POSTED, forum, shown_in, int(caption), item_id),
            )
            await tx.execute_many(
                "INSERT OR REPLACE INTO feedback_posts (forum_chat_id, message_id, item_id) "
                "VALUES (?, ?, ?)",
                [(forum, message_id, item_id) for message_id in {shown_in, *messages}],
            )

    async def not_shown(self, item_id: int) -> None:
        """Telegram refused a post of it: it is surely not shown."""
        await self._db.execute(
            "UPDATE feedback SET post_started_at = NULL WHERE id = ?", (item_id,)
        )

    async def post_failed(self, item_id: int, *, max_attempts: int) -> bool:
        """A post of it failed and surely is not shown. After `max_attempts` failures it is
        never posted (skipped): returns whether it came to that."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE feedback SET attempts = attempts + 1, post_started_at = NULL, "
                "post = CASE WHEN attempts + 1 >= ? THEN 'skipped' ELSE post END WHERE id = ?",
                (max_attempts, item_id),
            )
            row = await tx.fetch_one("SELECT post FROM feedback WHERE id = ?", (item_id,))
        return row is not None and row["post"] == FeedbackPost.SKIPPED

    async def by_message(self, message_id: int) -> FeedbackItem | None:
        """The item whose post (in the bound forum group) holds this message."""
        row = await self._db.fetch_one(
            "SELECT f.* FROM feedback_posts p JOIN feedback f ON f.id = p.item_id "
            "WHERE p.forum_chat_id IS ? AND p.message_id = ?",
            (self._db.forum_chat_id, message_id),
        )
        return None if row is None else self._item(row)

    async def get(self, item_id: int) -> FeedbackItem | None:
        row = await self._db.fetch_one("SELECT * FROM feedback WHERE id = ?", (item_id,))
        return None if row is None else self._item(row)

    async def find(self, kind: FeedbackKind, ozon_id: str) -> FeedbackItem | None:
        row = await self._db.fetch_one(
            "SELECT * FROM feedback WHERE kind = ? AND ozon_id = ?", (kind, ozon_id)
        )
        return None if row is None else self._item(row)

    # ---- outcomes --------------------------------------------------------------------------

    async def answered(
        self,
        tx: Transaction,
        kind: FeedbackKind,
        ozon_id: str,
        staff: Staff | None,
        *,
        set_processed: bool,
    ) -> None:
        """Staff's answer reached Ozon (part of the delivery's transaction). `set_processed`:
        Ozon is still to be told the item is processed."""
        await tx.execute(
            "UPDATE feedback SET outcome = ?, answered_at = ?, staff_id = ?, staff_name = ?, "
            "status_wanted = CASE WHEN ? THEN ? ELSE status_wanted END "
            "WHERE kind = ? AND ozon_id = ?",
            (
                FeedbackOutcome.ANSWERED,
                to_db_time(utcnow()),
                None if staff is None else staff.id,
                None if staff is None else staff.name,
                int(set_processed),
                PROCESSED,
                kind,
                ozon_id,
            ),
        )

    async def done(self, item_id: int, staff: Staff) -> bool:
        """Staff say it needs no answer: done, and Ozon is to be told it is processed. False
        when it was answered or done already."""
        return (
            await self._db.execute(
                "UPDATE feedback SET outcome = ?, answered_at = ?, staff_id = ?, staff_name = ?, "
                "status_wanted = ? WHERE id = ? AND outcome = ?",
                (
                    FeedbackOutcome.DONE,
                    to_db_time(utcnow()),
                    staff.id,
                    staff.name,
                    PROCESSED,
                    item_id,
                    FeedbackOutcome.OPEN,
                ),
            )
            > 0
        )

    async def to_show(self, limit: int = 20) -> list[FeedbackItem]:
        """Posted items (in the bound forum group) whose post does not show their outcome."""
        rows = await self._db.fetch_all(
            "SELECT * FROM feedback INDEXED BY feedback_to_show "
            "WHERE post = 'posted' AND shown != outcome AND forum_chat_id IS ? ORDER BY id LIMIT ?",
            (self._db.forum_chat_id, limit),
        )
        return [self._item(row) for row in rows]

    async def shown(self, item_id: int, outcome: FeedbackOutcome) -> None:
        await self._db.execute("UPDATE feedback SET shown = ? WHERE id = ?", (outcome, item_id))

    async def statuses_due(self, kind: FeedbackKind, limit: int = 100) -> list[FeedbackItem]:
        """Items of `kind` whose status the bridge still owes Ozon."""
        rows = await self._db.fetch_all(
            "SELECT * FROM feedback INDEXED BY feedback_status_due "
            "WHERE status_wanted IS NOT NULL AND kind = ? ORDER BY id LIMIT ?",
            (kind, limit),
        )
        return [self._item(row) for row in rows]

    async def status_set(self, item_ids: Sequence[int]) -> None:
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE feedback SET status_wanted = NULL WHERE id = ?", [(i,) for i in item_ids]
            )

    # ---- the desk --------------------------------------------------------------------------

    async def unanswered(
        self, kind: FeedbackKind, ratings: Sequence[int] | None = None
    ) -> list[FeedbackItem]:
        """Items of `kind` nobody has answered yet (of these `ratings`), oldest first; skipped
        ones aside."""
        sql = (
            "SELECT * FROM feedback INDEXED BY feedback_open "
            "WHERE kind = ? AND outcome = 'open' AND post != 'skipped'"
        )
        params: list[object] = [kind]
        if ratings is not None:
            sql += f" AND rating IN ({', '.join('?' for _ in ratings)})"
            params += list(ratings)
        rows = await self._db.fetch_all(sql + " ORDER BY published_at", params)
        return [self._item(row) for row in rows]

    async def reminded(self, item_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """The thresholds already reminded of, by item."""
        if not item_ids:
            return {}
        marks = ", ".join("?" for _ in item_ids)
        rows = await self._db.fetch_all(
            f"SELECT item_id, threshold FROM feedback_reminders WHERE item_id IN ({marks})",  # noqa: S608
            list(item_ids),
        )
        found: dict[int, set[int]] = {}
        for row in rows:
            found.setdefault(row["item_id"], set()).add(row["threshold"])
        return {item: frozenset(thresholds) for item, thresholds in found.items()}

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]:
        """Record (item, threshold) claims; returns those not claimed before."""
        claimed = []
        async with self._db.transaction() as tx:
            for item_id, threshold in claims:
                if await tx.execute(
                    "INSERT INTO feedback_reminders (item_id, threshold, sent_at) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (item_id, threshold, to_db_time(at)),
                ):
                    claimed.append((item_id, threshold))
        return claimed

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None:
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "DELETE FROM feedback_reminders WHERE item_id = ? AND threshold = ?", claims
            )

    # ---- reading rows ----------------------------------------------------------------------

    def _item(self, row: aiosqlite.Row) -> FeedbackItem:
        """A stored item; a post in another forum group reads as no message here."""
        published = from_db_time(row["published_at"])
        assert published is not None
        here = row["forum_chat_id"] is None or row["forum_chat_id"] == self._db.forum_chat_id
        return FeedbackItem(
            id=row["id"],
            kind=FeedbackKind(row["kind"]),
            ozon_id=row["ozon_id"],
            published_at=published,
            text=row["text"],
            sku=row["sku"],
            product=row["product"],
            rating=row["rating"],
            order_status=row["order_status"],
            author=row["author"],
            link=row["link"],
            photos=tuple(json.loads(row["photos"])),
            photos_amount=row["photos_amount"],
            post=FeedbackPost(row["post"]),
            message_id=row["message_id"] if here else None,
            caption=bool(row["caption"]),
            post_started_at=from_db_time(row["post_started_at"]),
            outcome=FeedbackOutcome(row["outcome"]),
            answered_at=from_db_time(row["answered_at"]),
            staff=None if row["staff_name"] is None else Staff(row["staff_id"], row["staff_name"]),
            shown=FeedbackOutcome(row["shown"]),
            status_wanted=row["status_wanted"],
        )


def _values(item: NewFeedback, post: FeedbackPost, now: str | None) -> dict[str, object]:
    return {
        "kind": item.kind,
        "ozon_id": item.ozon_id,
        "published_at": to_db_time(item.published_at),
        "text": item.text,
        "sku": item.sku,
        "product": item.product,
        "rating": item.rating,
        "order_status": item.order_status,
        "author": item.author,
        "link": item.link,
        "photos": json.dumps(list(item.photos)),
        "photos_amount": item.photos_amount,
        "post": post,
        "recorded_at": now,
    }
