"""Polling Ozon for reviews and questions (Ozon pushes neither): the counts first, the list only
when they moved, and everything new recorded before anything is posted.

Per kind, each poll (FEEDBACK_POLL_SECONDS):
1. the statuses the bridge owes Ozon (`PROCESSED` after an answer or `/done`) are set;
2. the counts are asked; the same counts as at the last poll that read the list mean nothing
   happened (an idle poll costs these two count calls);
3. otherwise the list is read newest first: down to the first item already recorded when only
   new items arrived, and further back, to the oldest item still unanswered (30 days at most),
   when a status changed, to see what was handled in Ozon's cabinet meanwhile;
4. what is new is recorded (pending its post), what the cabinet handled is marked so, and the
   counts are stored with them, in one transaction: a poll cut short reads the list again.

First sight: the first poll of a kind records only what was published within
FIRST_SIGHT_HOURS, and posts at most FIRST_SIGHT_MAX_MESSAGES of it, the newest (the rest is
recorded as skipped, never posted); nothing older is ever recorded. REVIEWS_RATINGS leaves the
other ratings recorded as skipped.

A kind Ozon refuses (the subscription or the key's role lacks it, `feature_off`) is asked again
an hour later, and the refusal is kept for `/status` and the alerts; chats go on regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.feedback.sources import ProductNames, Source
from bot.core.logfields import event
from bot.core.records import FeedbackItem, FeedbackSource, NewFeedback
from bot.core.states import FeedbackKind, FeedbackOutcome
from bot.ozon.errors import OzonError, OzonNotFound, feature_off
from bot.ozon.refusals import FeatureOff

log = logging.getLogger(__name__)

ASK_AGAIN = timedelta(hours=1)
"""A kind Ozon refused is asked again after this long."""
CABINET_WINDOW = timedelta(days=30)
"""How far back the list is read to see what Ozon's cabinet handled."""
STATUSES_AT_ONCE = 100


class PollItems(Protocol):
    async def source(self, kind: FeedbackKind) -> FeedbackSource | None: ...

    async def known(
        self, kind: FeedbackKind, ozon_ids: Collection[str]
    ) -> dict[str, FeedbackOutcome]: ...

    async def oldest_open(self, kind: FeedbackKind) -> datetime | None: ...

    async def record(
        self,
        source: FeedbackSource,
        *,
        new: Sequence[NewFeedback] = (),
        skipped: Sequence[NewFeedback] = (),
        handled: Sequence[str] = (),
    ) -> int: ...


class OwedStatuses(Protocol):
    async def statuses_due(self, kind: FeedbackKind, limit: int = 100) -> list[FeedbackItem]:
        """Items of `kind` whose status the bridge still owes Ozon."""
        ...

    async def status_set(self, item_ids: Sequence[int]) -> None: ...


@dataclass(slots=True)
class KindHealth:
    """How asking Ozon for one kind goes, for `/status` and the alerts."""

    off: FeatureOff | None = None
    """Why Ozon refuses it (None: it does not, or it was not asked yet)."""
    asked: bool = False
    """Ozon answered or refused at least once (before that, nothing is known)."""
    ask_at: datetime | None = None
    """When a refused kind is asked again."""


@dataclass(slots=True)
class _Walk:
    """What one read of the list found."""

    new: list[NewFeedback] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)


class FeedbackPoll:
    def __init__(
        self,
        sources: Sequence[Source],
        items: PollItems,
        owed: OwedStatuses,
        products: ProductNames,
        *,
        first_sight_window: timedelta,
        first_sight_max: int,
        ratings: frozenset[int] | None = None,
        on_recorded: Callable[[], None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sources = list(sources)
        self._items = items
        self._owed = owed
        self._products = products
        self._window = first_sight_window
        self._first_max = first_sight_max
        self._ratings = ratings
        self._on_recorded = on_recorded
        self._now = now
        self.health = {source.kind: KindHealth() for source in self._sources}

    @property
    def kinds(self) -> list[FeedbackKind]:
        return [source.kind for source in self._sources]

    @property
    def off(self) -> dict[FeedbackKind, FeatureOff]:
        """The kinds Ozon refuses, and why (for `/status` and the alerts)."""
        return {kind: health.off for kind, health in self.health.items() if health.off}

    def asked(self, kind: FeedbackKind) -> bool:
        """Ozon answered or refused the kind at least once (before that, nothing is known)."""
        health = self.health.get(kind)
        return health is not None and health.asked

    async def poll(self) -> int:
        """One poll of every kind (the scheduled job); returns how many items were recorded
        or found handled in the cabinet. One kind failing does not keep the other from being
        read."""
        changed = 0
        for source in self._sources:
            try:
                changed += await self._poll(source)
            except OzonError as exc:
                self._failed(source.kind, exc)
        if changed:
            self._on_recorded()
        return changed

    async def _poll(self, source: Source) -> int:
        health = self.health[source.kind]
        now = self._now()
        if health.ask_at is not None and now < health.ask_at:
            return 0
        await self._set_statuses(source)
        counts = await source.counts()
        self._answered(source.kind)
        stored = await self._items.source(source.kind)
        if stored is not None and stored.counts == counts:
            return 0  # idle: nothing moved
        first = stored is None
        since = now - self._window if stored is None else stored.since
        deep = stored is not None and (
            stored.counts is None or not source.only_new(stored.counts, counts)
        )
        walk = await self._walk(source, since, await self._cabinet_line(source.kind, deep))
        new, skipped = self._choose(walk.new, first=first)
        new = await self._complete(source, new)
        added = await self._items.record(
            FeedbackSource(source.kind, since, counts),
            new=new,
            skipped=skipped,
            handled=walk.handled,
        )
        if added or walk.handled:
            log.info(
                "%ss: %d new (%d to post), %d handled in Ozon's cabinet",
                source.kind,
                added,
                len(new),
                len(walk.handled),
                extra=event("feedback_recorded", kind=str(source.kind), new=added),
            )
        return added + len(walk.handled)

    async def _cabinet_line(self, kind: FeedbackKind, deep: bool) -> datetime | None:
        """How far back to read for what the cabinet handled (None: not at all)."""
        if not deep:
            return None
        oldest = await self._items.oldest_open(kind)
        return None if oldest is None else max(oldest, self._now() - CABINET_WINDOW)

    async def _walk(self, source: Source, since: datetime, cabinet: datetime | None) -> _Walk:
        """Read the list newest first: new items until the first one recorded before (none
        older than `since`), and known open ones Ozon shows processed back to `cabinet`."""
        walk = _Walk()
        met_known = False
        async for page in source.pages():
            known = await self._items.known(source.kind, [e.item.ozon_id for e in page])
            for entry in page:
                at = entry.item.published_at
                for_new = not met_known and at >= since
                for_cabinet = cabinet is not None and at >= cabinet
                if not (for_new or for_cabinet):
                    return walk
                outcome = known.get(entry.item.ozon_id)
                if outcome is None:
                    if at >= since:
                        walk.new.append(entry.item)
                    continue
                met_known = True
                if outcome is FeedbackOutcome.OPEN and entry.processed:
                    walk.handled.append(entry.item.ozon_id)
        return walk

    def _choose(
        self, found: list[NewFeedback], *, first: bool
    ) -> tuple[list[NewFeedback], list[NewFeedback]]:
        """What is posted and what is only recorded: on first sight the newest few; reviews of
        the ratings REVIEWS_RATINGS names."""
        wanted = [item for item in found if self._shown_rating(item)]
        if first:
            wanted = sorted(wanted, key=lambda item: item.published_at, reverse=True)
            wanted = wanted[: self._first_max]
        chosen = {id(item) for item in wanted}
        new = sorted(wanted, key=lambda item: item.published_at)  # posted oldest first
        return new, [item for item in found if id(item) not in chosen]

    def _shown_rating(self, item: NewFeedback) -> bool:
        return self._ratings is None or item.rating is None or item.rating in self._ratings

    async def _complete(self, source: Source, items: list[NewFeedback]) -> list[NewFeedback]:
        """Photos' links and product names for the items to post."""
        names = await self._products.names([item.sku for item in items if item.sku])
        done = []
        for item in items:
            completed = await source.complete(item)
            done.append(replace(completed, product=names.get(item.sku or "")))
        return done

    async def _set_statuses(self, source: Source) -> None:
        """Tell Ozon what the bridge owes it: items answered or done are processed."""
        while batch := await self._owed.statuses_due(source.kind, STATUSES_AT_ONCE):
            try:
                await source.set_processed([item.ozon_id for item in batch])
            except OzonNotFound as exc:
                # An item Ozon no longer knows cannot be processed: nothing more is owed.
                log.warning("%ss: status not set, Ozon does not know them (%s)", source.kind, exc)
            await self._owed.status_set([item.id for item in batch])

    def _answered(self, kind: FeedbackKind) -> None:
        health = self.health[kind]
        if health.off is not None:
            log.warning("%ss: Ozon answers again; they are read and posted", kind)
        health.off, health.asked, health.ask_at = None, True, None

    def _failed(self, kind: FeedbackKind, exc: OzonError) -> None:
        off = feature_off(exc)
        if off is None:
            # An outage: the next poll tries again.
            log.warning("%ss not read: %s", kind, exc, extra=event("feedback_not_read"))
            return
        health = self.health[kind]
        if health.off is not off:
            log.warning(
                "%ss are off: Ozon refuses them (%s); asked again every %s, chats go on",
                kind,
                off,
                ASK_AGAIN,
                extra=event("feedback_off", kind=str(kind), reason=str(off)),
            )
        health.off, health.asked = off, True
        health.ask_at = self._now() + ASK_AGAIN
