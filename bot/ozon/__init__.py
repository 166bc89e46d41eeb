"""Typed async client for the buyer-chat part of the Ozon Seller API.

Knows nothing of Telegram or storage. Import from here; the submodules are internal layout.
"""

from bot.ozon.client import MAX_MESSAGE_LENGTH, OzonClient
from bot.ozon.errors import (
    AuthProblem,
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
    "MAX_MESSAGE_LENGTH",
    "AuthProblem",
    "Author",
    "ChatMessage",
    "ChatPage",
    "ChatStatus",
    "ChatSummary",
    "HistoryPage",
    "OzonAPIError",
    "OzonAuthError",
    "OzonBadRequest",
    "OzonClient",
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
