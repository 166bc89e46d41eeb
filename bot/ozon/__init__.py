"""Typed async client for the buyer-chat part of the Ozon Seller API, and Ozon's payloads.

Knows nothing of Telegram, storage or the bridge. The package exports Ozon's plain models and
errors, importable without the HTTP client; the client itself is `bot.ozon.client.OzonClient`.
"""

from bot.ozon.errors import (
    AuthProblem,
    MediaUnavailable,
    OzonAPIError,
    OzonAuthError,
    OzonBadRequest,
    OzonConflict,
    OzonError,
    OzonForbidden,
    OzonNotFound,
    OzonRateLimited,
    OzonResponseError,
    OzonServerError,
    OzonTransportError,
    classify_auth_problem,
)
from bot.ozon.limiter import RateLimiter
from bot.ozon.models import (
    BUYER_CHAT_TYPES,
    Author,
    ChatMessage,
    ChatPage,
    ChatStatus,
    ChatSummary,
    HistoryPage,
    Role,
    RolesInfo,
    canonical_id,
    fold_enum,
    message_id_key,
)
from bot.ozon.retry import RetryPolicy

__all__ = [
    "BUYER_CHAT_TYPES",
    "AuthProblem",
    "Author",
    "ChatMessage",
    "ChatPage",
    "ChatStatus",
    "ChatSummary",
    "HistoryPage",
    "MediaUnavailable",
    "OzonAPIError",
    "OzonAuthError",
    "OzonBadRequest",
    "OzonConflict",
    "OzonError",
    "OzonForbidden",
    "OzonNotFound",
    "OzonRateLimited",
    "OzonResponseError",
    "OzonServerError",
    "OzonTransportError",
    "RateLimiter",
    "RetryPolicy",
    "Role",
    "RolesInfo",
    "canonical_id",
    "classify_auth_problem",
    "fold_enum",
    "message_id_key",
]
