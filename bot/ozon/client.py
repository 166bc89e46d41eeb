"""`OzonClient`: the buyer-chat, push-notification, rating, posting, product, review and question
methods of the Ozon Seller API, as one client over one transport."""

from __future__ import annotations

from bot.ozon.calls.chats import MAX_MESSAGE_LENGTH, ChatCalls
from bot.ozon.calls.notifications import NotificationCalls
from bot.ozon.calls.orders import OrderCalls
from bot.ozon.calls.products import ProductCalls
from bot.ozon.calls.questions import QuestionCalls
from bot.ozon.calls.ratings import RatingCalls
from bot.ozon.calls.reviews import ReviewCalls

__all__ = ["MAX_MESSAGE_LENGTH", "OzonClient"]


class OzonClient(
    ChatCalls,
    NotificationCalls,
    RatingCalls,
    OrderCalls,
    ProductCalls,
    ReviewCalls,
    QuestionCalls,
):
    """Async client for one Client-Id. Open it with `async with`, or call `aclose()` when done.

    Every method group (`bot.ozon.calls`) is a subclass of `bot.ozon.transport.OzonTransport`,
    which owns the connection: every call is a JSON POST through a shared `RateLimiter`. Reads
    are retried on 429, 5xx and transport errors. Writes (sends, `mark_read`, `start_chat`,
    notification changes, review and question status changes, comments and answers) are
    retried only when Ozon cannot have received them: 429 and failures before the request was
    sent. Auth errors are never retried. After the last attempt
    the last error is raised (see `errors`). `request_count` counts HTTP attempts.
    """
