"""What Ozon's 401 and 403 answers say, read from their message (Ozon gives no machine-readable
reason): a problem with the API key (`AuthProblem`, with what the operator should do about it),
or a method the seller's subscription does not include (`is_no_subscription`).

Two refusals mean "this feature is off for this seller", not "Ozon is down", and are never
retried: a key without the role for the method, and a subscription without the method
(`FeatureOff`). `bot.ozon.errors` raises them as `OzonAuthError` (kind `MISSING_ROLE`) and
`OzonNoSubscription`; `bot.ozon.errors.feature_off` tells them apart.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "NO_SUBSCRIPTION_SUFFIX",
    "AuthProblem",
    "FeatureOff",
    "classify_auth_problem",
    "explain",
    "is_no_subscription",
]

GRPC_UNAUTHENTICATED = 16

NO_SUBSCRIPTION_SUFFIX = "not available with existing subscription"
"""How Ozon's 403 for a method outside the seller's subscription ends, after a prefix that
differs per method: `... rpc error: code = PermissionDenied desc = not available with existing
subscription` (seen on the review and question methods)."""


class AuthProblem(StrEnum):
    """Why Ozon refused the credentials."""

    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    KEY_EXPIRED = "KEY_EXPIRED"
    MISSING_ROLE = "MISSING_ROLE"
    IP_RESTRICTED = "IP_RESTRICTED"
    UNKNOWN = "UNKNOWN"


class FeatureOff(StrEnum):
    """Why a feature is off for this seller: nothing to retry, nothing broken."""

    NO_SUBSCRIPTION = "NO_SUBSCRIPTION"
    """The seller's subscription does not include the method (reviews, questions)."""
    MISSING_ROLE = "MISSING_ROLE"
    """The API key's roles do not open the method."""


_EXPLANATIONS = {
    AuthProblem.INVALID_CREDENTIALS: (
        "Ozon rejected the Client-Id and API key. Copy both from Settings → Seller API "
        "(the key must belong to that Client-Id) into OZON_CLIENT_ID and OZON_API_KEY."
    ),
    AuthProblem.KEY_EXPIRED: (
        "Ozon rejected the API key: it has expired (keys live 3 months) or was deactivated. "
        "Create a new key in Settings → Seller API with the chat role and set OZON_API_KEY."
    ),
    AuthProblem.MISSING_ROLE: (
        "The Ozon API key lacks the role for {path}. Create a key with the chat role "
        "in Settings → Seller API and set OZON_API_KEY."
    ),
    AuthProblem.IP_RESTRICTED: (
        "Ozon refused this server's IP address for the API key. Allow this server's IP for the key "
        "in Settings → Seller API, or create a key without an IP restriction and set OZON_API_KEY."
    ),
    AuthProblem.UNKNOWN: (
        "Ozon refused to authenticate the bridge. Check OZON_CLIENT_ID and OZON_API_KEY against "
        "Settings → Seller API: the key must be valid, unexpired and carry the chat role."
    ),
}


def explain(kind: AuthProblem, path: str | None) -> str:
    """What the operator should do about `kind`, for a call of `path`."""
    return _EXPLANATIONS[kind].format(path=path or "this method")


def is_no_subscription(status: int, message: str) -> bool:
    """Whether an error answer refuses a method the seller's subscription does not include."""
    return status == 403 and message.strip().rstrip(".").casefold().endswith(NO_SUBSCRIPTION_SUFFIX)


# Checked in this order: "Api-key is deactivated" is about expiry, not about the key's spelling.
_AUTH_KEYWORDS: tuple[tuple[AuthProblem, re.Pattern[str]], ...] = (
    (AuthProblem.KEY_EXPIRED, re.compile(r"expired|deactivated|revoked|ист[её]к|деактивир")),
    (AuthProblem.IP_RESTRICTED, re.compile(r"\bip\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|ip[- ]?address")),
    (
        AuthProblem.MISSING_ROLE,
        re.compile(
            r"\broles?\b|access to this method|permission|\bрол(?:ь|и|ью|ей|ям)\b|нет доступа"
        ),
    ),
    (
        AuthProblem.INVALID_CREDENTIALS,
        re.compile(r"api[- _]?key|client[- _]?id|credential|ключ"),
    ),
)


def classify_auth_problem(status: int, code: int | None, message: str) -> AuthProblem | None:
    """Say whether an error answer is about credentials, and which problem; None if it is not.

    401 (or gRPC UNAUTHENTICATED on 401/403) is always an auth problem; a 403 is one only when
    its message speaks of the key, its expiry, a role or an IP address. A refusal for the
    subscription is not one, though its gRPC text says "PermissionDenied".
    """
    if status not in (401, 403) or is_no_subscription(status, message):
        return None
    folded = message.casefold()
    for kind, pattern in _AUTH_KEYWORDS:
        if pattern.search(folded):
            return kind
    if status == 401 or code == GRPC_UNAUTHENTICATED:
        return AuthProblem.UNKNOWN
    return None
