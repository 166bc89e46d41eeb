"""Reviews and questions into their topics, behind buyer chat posts: each recorded item becomes
one post, and what becomes of it (answered from Telegram, handled in Ozon's cabinet, done) is
edited into that post.

Everything here waits until the relay has posted every buyer message there is (`posts_done`),
and the Telegram side it is given takes only spare slots of the group's budget: a review never
goes ahead of a buyer's message, and a burst of reviews never holds one up.

A review's photos go as an album under the text's caption (or after the text when it does not
fit a caption) when the item is alone in the queue and they fit what the budget can spare;
otherwise, and for any photo that cannot be fetched, the post links them. Telegram takes no
idempotency key: a post is marked started before it is sent, and a post no answer settled is
posted again saying it may be shown already. A deleted topic is made again and a closed one
reopened, once each per post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.faults import (
    PostRejected,
    TelegramFault,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
    TopicsUnavailable,
)
from bot.core.feedback.topics import FeedbackTopics
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.ports import MediaFetcher
from bot.core.records import FeedbackItem
from bot.core.relay.forum import ForumPosts
from bot.core.states import FeedbackKind, FeedbackOutcome
from bot.core.worker import Clock, Worker
from bot.ozon.errors import MediaUnavailable

log = logging.getLogger(__name__)

BATCH = 20
POSTS_FIRST = 0.5
"""Seconds between looks while buyer messages wait to be posted."""
MAX_ATTEMPTS = 5
"""A post Telegram refuses this many times is given up (the item stays recorded)."""
TOPICS_REFUSED = 300.0
"""Seconds before a topic is tried again after Telegram refused to make one."""
ALBUM_MOST = 10
"""Telegram's album holds ten pictures at most."""


class PostItems(Protocol):
    async def to_post(self, limit: int = 20) -> list[FeedbackItem]: ...

    async def post_started(self, item_id: int) -> None: ...

    async def posted(
        self, item_id: int, shown_in: int, messages: Sequence[int], *, caption: bool
    ) -> None: ...

    async def not_shown(self, item_id: int) -> None:
        """Telegram refused the post: it is surely not shown."""
        ...

    async def post_failed(self, item_id: int, *, max_attempts: int) -> bool: ...

    async def to_show(self, limit: int = 20) -> list[FeedbackItem]: ...

    async def shown(self, item_id: int, outcome: FeedbackOutcome) -> None: ...


class FeedbackRenderer(Protocol):
    def topic_name(self, kind: FeedbackKind) -> str: ...

    def post(self, item: FeedbackItem, *, caption: bool) -> str:
        """The item's post with its outcome (HTML): an album's caption, or a message's text
        that links the photos."""
        ...

    def fits_caption(self, item: FeedbackItem) -> bool:
        """The whole post fits an album's caption."""
        ...


class FeedbackDisplay(ForumPosts, Protocol):
    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        """Change the text (or the caption) of a post the bridge made."""
        ...


@dataclass(frozen=True, slots=True)
class _Shown:
    """Where Telegram shows a post: the message with its text, and every message of it."""

    shown_in: int
    messages: tuple[int, ...]
    caption: bool


class FeedbackPoster(Worker):
    name = "feedback posts"

    def __init__(
        self,
        items: PostItems,
        topics: FeedbackTopics,
        telegram: FeedbackDisplay,
        renderer: FeedbackRenderer,
        media: MediaFetcher,
        *,
        posts_done: Callable[[], bool] = lambda: True,
        album_most: int = ALBUM_MOST,
        meter: Meter | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._items = items
        self._topics = topics
        self._telegram = telegram
        self._renderer = renderer
        self._media = media
        self._posts_done = posts_done
        self._album_most = min(album_most, ALBUM_MOST)
        self._meter = meter or Meter()
        self._held_until = 0.0
        self.problem: str | None = None
        """Why the topics cannot be made right now (None while they can)."""

    async def step(self) -> float | None:
        held = self._held_until - self._clock.monotonic()
        if held > 0:
            return held
        if not self._posts_done():
            return POSTS_FIRST
        batch = await self._items.to_post(BATCH)
        for item in batch:
            if self.stopping:
                break
            if not self._posts_done():
                return POSTS_FIRST
            try:
                await self._post(item, album=len(batch) == 1)
            except TopicsUnavailable as exc:
                return self._refused(exc)
        edited = await self._show_outcomes()
        return 0 if batch or edited else None

    def _refused(self, exc: TopicsUnavailable) -> float:
        reason = exc.operator_hint or str(exc)
        if reason != self.problem:
            log.warning("reviews and questions wait: their topic cannot be made (%s)", reason)
        self.problem = reason
        self._held_until = self._clock.monotonic() + TOPICS_REFUSED
        return TOPICS_REFUSED

    # ---- posts -----------------------------------------------------------------------------

    async def _post(self, item: FeedbackItem, *, album: bool) -> None:
        """Post the item into its kind's topic, making the topic again once if it is gone and
        reopening it once if it is closed."""
        recreated = reopened = False
        while True:
            topic = await self._topics.ensure(item.kind)
            self.problem = None
            try:
                shown = await self._send(topic, item, album=album)
            except TopicGone:
                if recreated:
                    raise
                await self._topics.replace(item.kind, topic)
                recreated = True
                continue
            except TopicClosed:
                if reopened:
                    raise
                await self._topics.reopen(topic)
                reopened = True
                continue
            except PostRejected as exc:
                await self._rejected(item, exc)
                return
            await self._items.posted(item.id, shown.shown_in, shown.messages, caption=shown.caption)
            self._meter.add(Count.FEEDBACK_POSTED, str(item.kind))
            log.info(
                "%s %s posted to topic %s as %s",
                item.kind,
                item.ozon_id,
                topic,
                shown.shown_in,
                extra=event("feedback_posted", topic_id=topic, kind=str(item.kind)),
            )
            return

    async def _send(self, topic: int, item: FeedbackItem, *, album: bool) -> _Shown:
        pictures = await self._pictures(item) if album else []
        await self._items.post_started(item.id)
        try:
            if pictures and self._renderer.fits_caption(item):
                shown = await self._album_post(topic, item, pictures)
                if shown is not None:
                    return shown
            shown_in = await self._telegram.post_text(
                topic, self._renderer.post(item, caption=False)
            )
            if not pictures:
                return _Shown(shown_in, (shown_in,), caption=False)
            album_ids = await self._album_after(topic, item, pictures, shown_in)
            return _Shown(shown_in, (shown_in, *album_ids), caption=False)
        except TelegramFault as exc:
            settled = not isinstance(exc, TelegramUnavailable) or exc.operator_hint is not None
            if settled and item.post_started_at is None:
                await self._items.not_shown(item.id)  # refused: no "maybe shown" next time
            raise

    async def _album_post(
        self, topic: int, item: FeedbackItem, pictures: Sequence[tuple[bytes, str]]
    ) -> _Shown | None:
        """The photos with the whole post as their caption; None when Telegram refuses the
        pictures (the post then goes as text with links)."""
        try:
            first = await self._post_pictures(
                topic, pictures, self._renderer.post(item, caption=True)
            )
        except PostRejected as exc:
            log.warning("%s %s: photos refused (%s), linked", item.kind, item.ozon_id, exc)
            return None
        return _Shown(first, _album(first, len(pictures)), caption=True)

    async def _album_after(
        self, topic: int, item: FeedbackItem, pictures: Sequence[tuple[bytes, str]], text: int
    ) -> tuple[int, ...]:
        """The photos under the post's text (which links them too); none when refused."""
        try:
            first = await self._post_pictures(topic, pictures, "", reply_to=text)
        except PostRejected as exc:
            log.warning("%s %s: photos refused (%s), linked", item.kind, item.ozon_id, exc)
            return ()
        return _album(first, len(pictures))

    async def _pictures(self, item: FeedbackItem) -> list[tuple[bytes, str]]:
        """The photos, fetched, when all of them can go in one album (none: links)."""
        if not item.photos or len(item.photos) > self._album_most:
            return []
        pictures = []
        for url in item.photos:
            try:
                pictures.append(await self._media.fetch(url))
            except MediaUnavailable as exc:
                log.info("%s %s: a photo stays a link (%s)", item.kind, item.ozon_id, exc)
                return []
        return pictures

    async def _post_pictures(
        self,
        topic: int,
        pictures: Sequence[tuple[bytes, str]],
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        if len(pictures) == 1:
            data, name = pictures[0]
            return await self._telegram.post_photo(topic, data, name, caption, reply_to=reply_to)
        return await self._telegram.post_album(topic, pictures, caption, reply_to=reply_to)

    async def _rejected(self, item: FeedbackItem, exc: PostRejected) -> None:
        given_up = await self._items.post_failed(item.id, max_attempts=MAX_ATTEMPTS)
        log.error(
            "%s %s: Telegram refuses its post (%s)%s",
            item.kind,
            item.ozon_id,
            exc,
            "; given up: see it in Ozon's cabinet" if given_up else "",
            extra=event("feedback_post_refused", kind=str(item.kind)),
        )

    # ---- outcomes --------------------------------------------------------------------------

    async def _show_outcomes(self) -> bool:
        """Edit each changed outcome into its post; returns whether there were any."""
        due = await self._items.to_show(BATCH)
        for item in due:
            if self.stopping or not self._posts_done():
                break
            await self._show(item)
        return bool(due)

    async def _show(self, item: FeedbackItem) -> None:
        if item.message_id is not None:
            html = self._renderer.post(item, caption=item.caption)
            try:
                await self._telegram.edit_post(
                    item.message_id, html, caption=item.caption, spare=True
                )
            except (TopicGone, PostRejected) as exc:
                # Nothing to show it on (the post or its topic was deleted): the record says it.
                log.info("%s %s: outcome not shown (%s)", item.kind, item.ozon_id, exc)
            except TelegramUnavailable:
                raise
            except TelegramFault as exc:
                log.info("%s %s: outcome not shown yet (%s)", item.kind, item.ozon_id, exc)
                return
        await self._items.shown(item.id, item.outcome)


def _album(first: int, count: int) -> tuple[int, ...]:
    """The messages of an album: Telegram numbers them one after another."""
    return tuple(range(first, first + count))
