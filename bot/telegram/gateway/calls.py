"""Calls into the forum group: each inside the group's flood budget, and aiogram's errors turned,
in this one place, into the faults the core understands (`bot.core.ports`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.core.faults import (
    GroupFault,
    PostRejected,
    ShuttingDown,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
)
from bot.secrets import scrub
from bot.telegram.gateway.flood import FloodControl, FloodControlClosed

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Moot(Exception):
    """A call that can wait was no longer wanted when its slot came."""


TRANSIENT_RETRIES = 2
"""A 5xx or a network error is tried again this many times (after 1 s, then 2 s)."""

_GONE = ("message thread not found", "topic_deleted", "topic_id_invalid", "thread not found")
_CLOSED = ("topic_closed",)
_RIGHTS = (
    "not enough rights",
    "chat_admin_required",
    "have no rights",
    "need administrator",
    "chat_write_forbidden",
    "chat_restricted",
    "chat_send_plain_forbidden",
)
_NOT_FORUM = ("chat is not a forum", "not a forum", "channel_forum_missing", "forum_disabled")
_NO_CHAT = ("chat not found", "peer_id_invalid", "group chat was upgraded")


class GroupCalls:
    def __init__(self, flood: FloodControl) -> None:
        self._flood = flood

    async def __call__(self, make: Callable[[], Awaitable[T]], *, weight: int = 1) -> T:
        """Run one group call inside the budget (`weight` messages of it), waiting out every
        429 and retrying a passing 5xx or network error a couple of times before reporting
        Telegram unavailable."""

        async def slots() -> list[list[float]]:
            return [await self._flood.acquire() for _ in range(weight)]

        return await self._run(make, slots)

    async def spare(
        self, make: Callable[[], Awaitable[T]], *, moot: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Run a call that can wait (a topic's icon) in a spare slot of the budget, unless it is
        `moot` by the time the slot comes (the state it would show changed back meanwhile).
        Returns whether the call was made."""

        async def slot() -> list[list[float]]:
            return [await self._flood.acquire_spare()]

        try:
            await self._run(make, slot, moot=moot)
        except _Moot:
            return False
        return True

    async def _run(
        self,
        make: Callable[[], Awaitable[T]],
        acquire: Callable[[], Awaitable[list[list[float]]]],
        *,
        moot: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        failures = 0
        while True:
            slots = await self._slots(acquire, moot)
            try:
                return await self._send(make, slots)
            except TelegramRetryAfter as exc:
                log.warning("telegram flood limit: waiting %ss", exc.retry_after)
                self._flood.pause(exc.retry_after)
            except TelegramEntityTooLarge as exc:  # a network error by aiogram's reckoning
                raise classify(exc) from exc
            except (TelegramServerError, TelegramNetworkError) as exc:
                failures += 1
                await _passing(exc, failures)
            except TelegramAPIError as exc:
                raise classify(exc) from exc

    async def _slots(
        self,
        acquire: Callable[[], Awaitable[list[list[float]]]],
        moot: Callable[[], Awaitable[bool]] | None,
    ) -> list[list[float]]:
        """The call's slots of the budget; `_Moot` (the slots given back) if it is moot by then,
        `ShuttingDown` if the budget closed while waiting."""
        try:
            slots = await acquire()
        except FloodControlClosed:
            raise ShuttingDown("the bridge is stopping") from None
        if moot is not None and await moot():
            for slot in slots:
                self._flood.release(slot)
            raise _Moot
        return slots

    async def _send(self, make: Callable[[], Awaitable[T]], slots: list[list[float]]) -> T:
        try:
            return await make()
        finally:
            for slot in slots:
                self._flood.settle(slot)  # the window counts the send from its arrival


async def _passing(exc: TelegramAPIError, failures: int) -> None:
    """A 5xx or a network error, the `failures`-th in a row: wait before trying again, or report
    Telegram unavailable once the retries are spent."""
    detail = scrub(exc.message)
    if failures > TRANSIENT_RETRIES:
        raise TelegramUnavailable(f"{type(exc).__name__}: {detail}") from exc
    log.warning("telegram: %s, trying again (%d)", detail, failures)
    await asyncio.sleep(failures)


class SpareCalls(GroupCalls):
    """Group calls that all wait for spare slots of the budget: what a gateway built on them
    posts (reviews and questions, their topics and edits) never goes ahead of a post that waits
    for a slot, nor fills the window's last slots."""

    async def __call__(self, make: Callable[[], Awaitable[T]], *, weight: int = 1) -> T:
        async def slots() -> list[list[float]]:
            return [await self._flood.acquire_spare() for _ in range(weight)]

        return await self._run(make, slots)


def classify(exc: TelegramAPIError) -> Exception:
    """What an error answer means for the bridge."""
    if isinstance(exc, TelegramBadRequest | TelegramEntityTooLarge):
        return _bad_request(exc)
    if isinstance(exc, TelegramUnauthorizedError):
        return TelegramUnavailable(
            "unauthorized",
            fault=GroupFault.UNAUTHORIZED,
            operator_hint="Telegram no longer accepts BOT_TOKEN: set the current token from "
            "@BotFather and restart",
        )
    if isinstance(exc, TelegramMigrateToChat):
        return TelegramUnavailable(
            "migrated",
            fault=GroupFault.MIGRATED,
            operator_hint=f"the forum group moved to id {exc.migrate_to_chat_id}: set "
            "FORUM_CHAT_ID to it and restart",
        )
    if isinstance(exc, TelegramForbiddenError):
        return TelegramUnavailable(
            exc.message,
            fault=GroupFault.KICKED,
            operator_hint=(
                f"Telegram refuses the bot in FORUM_CHAT_ID ({exc.message}): add the bot back "
                "to the forum group as an administrator with the right to manage topics, then "
                "run `python -m bot check`"
            ),
        )
    return TelegramUnavailable(f"{type(exc).__name__}: {scrub(exc.message)}")


def _bad_request(exc: TelegramAPIError) -> Exception:
    """A 400 is about one topic (gone, closed), about one post (refused), or about the group's
    set-up, which no retry fixes: then everything stays queued until the operator acts."""
    text = exc.message.lower()
    for markers, fault in _BAD_REQUESTS:
        if any(marker in text for marker in markers):
            return fault(exc.message)
    return PostRejected(exc.message)


def _set_up(fault: GroupFault, hint: str) -> Callable[[str], Exception]:
    """A fault of the group's set-up; `hint` tells the operator the fix, `{message}` being
    Telegram's words."""
    return lambda message: TelegramUnavailable(
        message, fault=fault, operator_hint=hint.format(message=message)
    )


_BAD_REQUESTS: tuple[tuple[tuple[str, ...], Callable[[str], Exception]], ...] = (
    (
        _NOT_FORUM,
        _set_up(
            GroupFault.NOT_FORUM,
            "the forum group has Topics turned off ({message}): turn on Topics in the group's "
            "settings; buyer messages wait until then",
        ),
    ),
    (_GONE, TopicGone),
    (_CLOSED, TopicClosed),
    (
        _RIGHTS,
        _set_up(
            GroupFault.RIGHTS,
            "the bot lacks rights in the forum group ({message}): make it an administrator "
            "allowed to manage topics",
        ),
    ),
    (
        _NO_CHAT,
        _set_up(
            GroupFault.NO_CHAT,
            "Telegram does not know FORUM_CHAT_ID ({message}): check the id (it looks like "
            "-100...) and that the bot is a member",
        ),
    ),
)
"""The kinds of 400 by the markers in Telegram's words, in the order they are tried."""
