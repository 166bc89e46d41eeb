"""Every Bot API call the bridge makes, counted by method and outcome for `/metrics`: one request
middleware on the bot's session sees them all (posts, edits, polling, downloads' file lookups)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.core.meter import Count, Meter

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

# Most specific first: TelegramEntityTooLarge is a TelegramNetworkError.
_OUTCOMES: tuple[tuple[type[TelegramAPIError], str], ...] = (
    (TelegramRetryAfter, "retry_after"),
    (TelegramMigrateToChat, "migrated"),
    (TelegramEntityTooLarge, "too_large"),
    (TelegramBadRequest, "bad_request"),
    (TelegramUnauthorizedError, "unauthorized"),
    (TelegramForbiddenError, "forbidden"),
    (TelegramNotFound, "not_found"),
    (TelegramConflictError, "conflict"),
    (TelegramServerError, "server_error"),
    (TelegramNetworkError, "network_error"),
)


def outcome_of(error: Exception | None) -> str:
    if error is None:
        return "ok"
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")


class CallMeter(BaseRequestMiddleware):
    def __init__(self, meter: Meter) -> None:
        self._meter = meter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        name = method.__api_method__
        try:
            response = await make_request(bot, method)
        except Exception as exc:
            self._meter.add(Count.TELEGRAM_CALLS, name, outcome_of(exc))
            raise
        self._meter.add(Count.TELEGRAM_CALLS, name, "ok")
        return response
