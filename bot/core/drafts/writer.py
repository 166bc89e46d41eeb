"""The writer: turns asked drafts into posts, off every path a buyer or staff waits on.

Requests wait as `asked` rows; the writer takes them (commands before automatic ones) and has
the model write at most `at_once` at a time, each in a task of its own, so that however slow the
model is, no buyer post, staff reply or Telegram update waits for it, and a busy model is not
flooded. For each: the conversation is read afresh, the prompt built
(`bot.core.drafts.prompt`), the model asked, its answer checked (`bot.core.drafts.checks`) and
posted in the topic with «Отправить» and «Отменить». An automatic draft waits for a spare slot
of the group's budget, after buyer posts, without keeping a `/draft` from the model; one whose
chat is answered by the time its slot comes is dropped, never posted, and so is one whose buyer
wrote again before the model was asked (the newer message has a draft of its own). Nothing is
ever sent to a buyer here.

A draft the model could not write is said in the topic in plain words (for `/draft`; automatic
ones are only logged and counted), once the model's own time limit (AI_TIMEOUT_SECONDS) has
passed. A request left from before a restart is written then, unless it is older than `STALE`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.drafts.auto import LOOK, AutoDrafts
from bot.core.drafts.checks import Checked, shaped
from bot.core.drafts.conversation import Conversation, ConversationSource, Sources
from bot.core.drafts.prompt import max_tokens, prompt
from bot.core.faults import (
    PostRejected,
    ShuttingDown,
    StorageError,
    TelegramFault,
    TopicClosed,
    TopicGone,
)
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.records import DraftRow, TemplateRow
from bot.core.states import DraftTrigger
from bot.core.worker import Clock, Worker
from bot.llm import Message, ModelAnswerUnusable, ModelError, ModelRefused, ModelUnavailable

log = logging.getLogger(__name__)

AT_ONCE = 3
"""Drafts written at the same time, at most (a local model serves one or a few at once)."""
STALE = timedelta(minutes=30)
IDLE = 30.0


class Model(Protocol):
    """The language model (`bot.llm.client.ModelClient`)."""

    async def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str: ...


class AskedDrafts(Protocol):
    async def asked(self, limit: int, skip: Collection[int]) -> list[DraftRow]:
        """Requests to write, commands first, then the oldest; none of `skip`."""
        ...

    async def shown(
        self, draft_id: int, body: str, flags: Sequence[str], message_id: int
    ) -> bool: ...

    async def failed(self, draft_id: int, detail: str) -> None: ...

    async def dropped(self, draft_id: int, detail: str) -> None:
        """An automatic draft no longer wanted (the chat was answered): never shown."""
        ...


class Why(Enum):
    """Why a draft was not written, as staff are told."""

    NO_ANSWER = "no_answer"
    """The model did not answer within AI_TIMEOUT_SECONDS, or its server is out of reach."""
    BUSY = "busy"
    """The server answered with an error that may pass (5xx, 429): try later."""
    REFUSED = "refused"
    """The server refused the request as configured (`setting` to fix)."""
    EMPTY = "empty"
    """The model answered without text."""
    GONE = "gone"
    """The conversation is not there any more."""
    STALE = "stale"
    """Asked before a restart, too long ago."""


@dataclass(frozen=True, slots=True)
class Failure:
    why: Why
    setting: str | None = None
    """The setting to look at (a refusal)."""
    timeout: float = 0.0
    status: int | None = None
    """The server's HTTP status (an error that may pass)."""


class DraftPosts(Protocol):
    """Where drafts are shown: the conversation's topic."""

    async def show(
        self, draft: DraftRow, checked: Checked, *, moot: Callable[[], Awaitable[bool]] | None
    ) -> int | None:
        """Post the draft with its buttons, answering the `/draft` command when there is one;
        the post's id. With `moot`: in a spare slot of the group's budget, unless `moot()` says,
        when the slot comes, that it is not wanted any more (None: not posted)."""
        ...

    async def tell_failure(self, draft: DraftRow, failure: Failure) -> None:
        """Say, answering the `/draft` command, why no draft came."""
        ...


class Templates(Protocol):
    async def all(self) -> list[TemplateRow]: ...


class DraftWriter(Worker):
    name = "drafts"

    def __init__(
        self,
        drafts: AskedDrafts,
        sources: Sources,
        model: Model,
        posts: DraftPosts,
        templates: Templates,
        *,
        instructions: Callable[[], str],
        tz: ZoneInfo,
        timeout: float,
        redact: Callable[[str], str] = lambda text: text,
        auto: AutoDrafts | None = None,
        at_once: int = AT_ONCE,
        meter: Meter | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._drafts = drafts
        self._sources = sources
        self._model = model
        self._posts = posts
        self._templates = templates
        self._instructions = instructions
        self._tz = tz
        self._timeout = timeout
        self._redact = redact
        self._auto = auto
        self._at_once = at_once
        self._meter = meter or Meter()
        self._now = now
        self._running: dict[int, asyncio.Task[None]] = {}
        self._writing: set[int] = set()
        """The requests of `_running` the model is still asked for (at most `at_once`); the
        others wait for their post's slot."""
        self._broken: set[int] = set()
        """Requests that failed in an unexpected way and could not be marked: not retried."""

    async def step(self) -> float | None:
        if self._auto is not None:
            await self._auto.look()
        free = self._at_once - len(self._writing)
        if free > 0:
            for row in await self._drafts.asked(free, skip=self._running.keys() | self._broken):
                self._start(row)
        return IDLE if self._auto is None else LOOK

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            # Drafts in the writing stay asked: written after a restart.
            running = list(self._running.values())
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    def _start(self, row: DraftRow) -> None:
        task = asyncio.create_task(self._write(row), name=f"draft-{row.id}")
        self._running[row.id] = task
        self._writing.add(row.id)
        task.add_done_callback(lambda _: self._finished(row.id))

    def _written(self, draft_id: int) -> None:
        """The model is done with this request: another may be written."""
        if draft_id in self._writing:
            self._writing.discard(draft_id)
            self.wake()

    def _finished(self, draft_id: int) -> None:
        self._running.pop(draft_id, None)
        self._written(draft_id)

    async def _write(self, row: DraftRow) -> None:
        """Write one draft. What fails unexpectedly (the database, Telegram out of reach, a
        bug) fails this draft alone, logged; staff can ask again."""
        try:
            await self._draft(row)
        except ShuttingDown:
            return  # stays asked: written after the restart
        except Exception as exc:
            log.exception("draft %s: not written (unexpected error)", row.id)
            try:
                await self._drafts.failed(row.id, f"unexpected: {exc!r}")
            except StorageError:
                self._broken.add(row.id)
            self._meter.add(Count.DRAFTS, "failed")

    async def _draft(self, row: DraftRow) -> None:
        source = self._sources.get(row.source)
        conversation = None if source is None else await source.read(row.key)
        if source is None or conversation is None:
            await self._fail(row, Failure(Why.GONE), f"the {row.source} is gone")
            return
        if self._now() - row.asked_at > STALE:
            await self._fail(row, Failure(Why.STALE), "asked too long ago")
            return
        if not await self._wanted(row, conversation, before_model=True):
            return
        messages = await self._prompt(conversation)
        try:
            answer = await self._model.complete(
                messages, max_tokens=max_tokens(conversation.kind.limit)
            )
        except ModelError as exc:
            await self._fail(row, self._failure(exc), str(exc))
            return
        finally:
            self._written(row.id)
        checked = shaped(
            answer, limit=conversation.kind.limit, known_numbers=conversation.known_numbers
        )
        if checked is None:
            await self._fail(row, Failure(Why.EMPTY), "the answer had no text")
            return
        await self._show(row, checked, source)

    async def _wanted(
        self, row: DraftRow, conversation: Conversation, *, before_model: bool
    ) -> bool:
        """An automatic draft is wanted while its buyer waits, and (before the model is asked)
        while no newer buyer message has a draft of its own coming; False once dropped."""
        if row.trigger is DraftTrigger.COMMAND:
            return True
        latest = conversation.answers
        if not conversation.awaiting_reply:
            why = "answered meanwhile"
        elif before_model and latest is not None and latest.message_id != row.answers_id:
            why = "the buyer wrote again: that message is drafted"
        else:
            return True
        await self._drafts.dropped(row.id, why)
        self._meter.add(Count.DRAFTS, "dropped")
        log.info("draft %s dropped: %s", row.id, why)
        return False

    async def _prompt(self, conversation: Conversation) -> list[Message]:
        templates = await self._templates.all()
        try:
            instructions = self._instructions()
        except ValueError as exc:
            log.warning("drafts: the seller's instructions are left out: %s", exc)
            instructions = ""
        return prompt(
            conversation,
            instructions=instructions,
            templates=[t.body for t in templates],
            now=self._now(),
            tz=self._tz,
            redact=self._redact,
        )

    async def _show(self, row: DraftRow, checked: Checked, source: ConversationSource) -> None:
        async def moot() -> bool:
            fresh = await source.read(row.key)
            if fresh is None:
                await self._fail(row, None, f"the {row.source} is gone")
                return True
            return not await self._wanted(row, fresh, before_model=False)

        try:
            post = await self._posts.show(
                row, checked, moot=moot if row.trigger is DraftTrigger.AUTO else None
            )
        except (PostRejected, TopicGone, TopicClosed) as exc:
            await self._fail(row, None, f"telegram refused the post: {exc}")
            return
        if post is None:
            return  # dropped as its slot came
        await self._drafts.shown(row.id, checked.body, [str(f) for f in checked.flags], post)
        self._meter.add(Count.DRAFTS, "shown")
        log.info(
            "%s %s: draft %s shown (%d characters%s)",
            row.source,
            row.key,
            row.id,
            len(checked.body),
            "; " + ", ".join(checked.flags) if checked.flags else "",
            extra=event("draft_shown", topic_id=row.topic_id, draft_id=row.id),
        )

    def _failure(self, exc: ModelError) -> Failure:
        if isinstance(exc, ModelRefused):
            return Failure(Why.REFUSED, exc.setting)
        if isinstance(exc, ModelAnswerUnusable):
            return Failure(Why.EMPTY)
        if isinstance(exc, ModelUnavailable) and exc.status is not None:
            return Failure(Why.BUSY, status=exc.status)
        return Failure(Why.NO_ANSWER, timeout=self._timeout)

    async def _fail(self, row: DraftRow, failure: Failure | None, detail: str) -> None:
        await self._drafts.failed(row.id, detail)
        self._meter.add(Count.DRAFTS, "failed")
        log.warning(
            "%s %s: draft %s not written: %s",
            row.source,
            row.key,
            row.id,
            detail,
            extra=event("draft_failed", topic_id=row.topic_id, draft_id=row.id),
        )
        if failure is None or row.trigger is not DraftTrigger.COMMAND:
            return
        try:
            await self._posts.tell_failure(row, failure)
        except TelegramFault as exc:
            log.info("draft %s: the failure not told (%s)", row.id, exc)
