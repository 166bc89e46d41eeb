"""What staff do with drafts: ask for one (`/draft`), send one, cancel one.

Asking writes the request down (a `drafts` row, unique on the command, so that a command
Telegram hands over twice asks once) and wakes the writer; nothing waits for the model here.

«Отправить» queues the draft's text through its source (the outbox, keyed on the draft's post)
and records who sent it; «Отменить» records the cancel and removes the post. Both act on one
draft at a time (a lock per draft), and both are safe to repeat: the outbox takes a post's text
once, a cancel is refused once anything of the draft is queued, so two presses, or two people
pressing, send once, and the second is told what became of it. A press on a post that is not
the draft's current one (a duplicate left by a crash) acts on nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from bot.core.drafts.conversation import NotSendable, Sources
from bot.core.faults import StorageError, TelegramFault
from bot.core.locks import KeyedLocks
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.records import DraftRow, Staff
from bot.core.states import DraftState, DraftTrigger

log = logging.getLogger(__name__)


class DraftRequests(Protocol):
    async def ask(
        self,
        source: str,
        key: str,
        topic_id: int,
        trigger: DraftTrigger,
        *,
        request_message_id: int | None = None,
        answers_id: str | None = None,
        answers_at: datetime | None = None,
    ) -> int | None:
        """Write a request down; its id, or None when this command (or, for an automatic
        draft, this buyer message) asked already."""
        ...

    async def get(self, draft_id: int) -> DraftRow | None: ...

    async def sent(self, draft_id: int, staff: Staff) -> bool:
        """A shown draft was sent by `staff`; False if it was not shown (any more)."""
        ...

    async def cancel(self, draft_id: int, staff: Staff) -> bool:
        """Cancel a shown draft none of which is queued; False otherwise."""
        ...


class DraftPostsShown(Protocol):
    """The drafts' posts in their topics, as staff act on them."""

    async def mark_sent(self, draft: DraftRow, staff: Staff) -> None:
        """The post says who sent it and loses its buttons (its 👌/👎 comes after)."""
        ...

    async def remove(self, draft: DraftRow, staff: Staff) -> None:
        """Take the post away (or, where Telegram no longer lets it go, say `staff` cancelled
        it)."""
        ...


class Asked(Enum):
    QUEUED = "queued"
    AGAIN = "again"
    """This command asked already (Telegram handed it over twice)."""
    OFF = "off"
    """Drafts are off (no AI_API_URL)."""
    NOT_HERE = "not_here"
    """No conversation here to draft for."""


class Pressed(Enum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    CANCELLED = "cancelled"
    WAS_CANCELLED = "was_cancelled"
    OUTDATED = "outdated"
    """Not the draft's post, a draft gone, or one that was never shown."""
    REFUSED = "refused"
    """Its text cannot go as it is (`problem` says why)."""


@dataclass(frozen=True, slots=True)
class Press:
    """What a press did, for the presser's screen."""

    result: Pressed
    by: Staff | None = None
    """Who sent or cancelled it, when it was someone else before."""
    problem: NotSendable | None = None


class Drafts:
    def __init__(
        self,
        requests: DraftRequests,
        sources: Sources,
        posts: DraftPostsShown,
        *,
        enabled: bool,
        on_asked: Callable[[], None],
        meter: Meter | None = None,
    ) -> None:
        self._requests = requests
        self._sources = sources
        self._posts = posts
        self.enabled = enabled
        self._on_asked = on_asked
        self._meter = meter or Meter()
        self._locks = KeyedLocks()

    async def ask(self, topic_id: int, request_message_id: int, replied_to: int | None) -> Asked:
        """`/draft` typed in a topic (in reply to `replied_to`, if it answers a post)."""
        if not self.enabled:
            return Asked.OFF
        found = await self._sources.in_topic(topic_id, replied_to)
        if found is None:
            return Asked.NOT_HERE
        source, conversation = found
        answers = conversation.answers
        draft_id = await self._requests.ask(
            source.kind.name,
            conversation.key,
            topic_id,
            DraftTrigger.COMMAND,
            request_message_id=request_message_id,
            answers_id=None if answers is None else answers.message_id,
            answers_at=None if answers is None else answers.at,
        )
        if draft_id is None:
            return Asked.AGAIN
        self._meter.add(Count.DRAFTS, "asked")
        log.info(
            "%s %s: draft %s asked for",
            source.kind.name,
            conversation.key,
            draft_id,
            extra=event("draft_asked", topic_id=topic_id, draft_id=draft_id, trigger="command"),
        )
        self._on_asked()
        return Asked.QUEUED

    async def send(self, draft_id: int, post_id: int, staff: Staff) -> Press:
        """«Отправить» pressed on post `post_id` by `staff`."""
        async with self._locks.hold(f"draft:{draft_id}"):
            draft = await self._requests.get(draft_id)
            refusal = _not_pressable(draft, post_id)
            if refusal is not None or draft is None:
                return refusal or Press(Pressed.OUTDATED)
            source = self._sources.get(draft.source)
            if source is None or draft.body is None:
                return Press(Pressed.OUTDATED)
            try:
                queued = await source.queue(draft, draft.body, staff)
            except NotSendable as exc:
                return Press(Pressed.REFUSED, problem=exc)
            await self._mark_sent(draft, staff)
            if not queued:
                return Press(Pressed.ALREADY_SENT)  # queued before a restart
            self._meter.add(Count.DRAFTS, "sent")
            log.info(
                "%s %s: draft %s sent by %s",
                draft.source,
                draft.key,
                draft.id,
                staff.id,
                extra=event("draft_sent", topic_id=draft.topic_id, draft_id=draft.id),
            )
            await self._shown(self._posts.mark_sent(draft, staff), draft)
            return Press(Pressed.SENT)

    async def cancel(self, draft_id: int, post_id: int, staff: Staff) -> Press:
        """«Отменить» pressed on post `post_id` by `staff`."""
        async with self._locks.hold(f"draft:{draft_id}"):
            draft = await self._requests.get(draft_id)
            refusal = _not_pressable(draft, post_id)
            if refusal is not None or draft is None:
                return refusal or Press(Pressed.OUTDATED)
            if not await self._requests.cancel(draft.id, staff):
                return Press(Pressed.ALREADY_SENT)  # queued, though not marked (a restart)
            self._meter.add(Count.DRAFTS, "cancelled")
            log.info(
                "%s %s: draft %s cancelled by %s",
                draft.source,
                draft.key,
                draft.id,
                staff.id,
                extra=event("draft_cancelled", topic_id=draft.topic_id, draft_id=draft.id),
            )
            await self._shown(self._posts.remove(draft, staff), draft)
            return Press(Pressed.CANCELLED)

    async def _mark_sent(self, draft: DraftRow, staff: Staff) -> None:
        """Mark the draft sent once its text is in the outbox. A database failure now loses
        nothing and must not read as "not sent": the outbox holds the text (a second press
        finds it queued, and «Отменить» finds it in the outbox)."""
        try:
            await self._requests.sent(draft.id, staff)
        except StorageError as exc:
            log.warning("draft %s: queued, but not marked sent (%s)", draft.id, exc)

    async def _shown(self, showing: Awaitable[None], draft: DraftRow) -> None:
        """Change the draft's post. The press is done whatever Telegram says now: a refusal or
        an outage is logged, and the post stays as it was."""
        try:
            await showing
        except TelegramFault as exc:
            log.info("draft %s: its post not changed (%s)", draft.id, exc)


def _not_pressable(draft: DraftRow | None, post_id: int) -> Press | None:
    """Why a press on `post_id` does nothing (None: the draft is there to act on)."""
    if draft is None or draft.message_id != post_id:
        return Press(Pressed.OUTDATED)
    if draft.state is DraftState.SENT:
        return Press(Pressed.ALREADY_SENT, by=draft.staff)
    if draft.state is DraftState.CANCELLED:
        return Press(Pressed.WAS_CANCELLED, by=draft.staff)
    if draft.state is not DraftState.SHOWN:
        return Press(Pressed.OUTDATED)
    return None
