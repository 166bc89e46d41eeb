"""Exceptions raised by the Ozon client.

    OzonError                     base of everything below; carries `path`
    ├── OzonTransportError        no HTTP answer (connect error, timeout, broken connection)
    ├── OzonResponseError         2xx answer whose body is not the documented JSON
    └── OzonAPIError              non-2xx answer: `status`, `code` (gRPC), `message`, `details`
        ├── OzonBadRequest        400
        ├── OzonForbidden         403 that is not about credentials (e.g. a missing subscription)
        ├── OzonNotFound          404
        ├── OzonConflict          409
        ├── OzonRateLimited       429, with `retry_after` seconds from the Retry-After header
        ├── OzonServerError       5xx
        └── OzonAuthError         401, or 403 about the key, its role or the caller's IP:
                                  `kind` (AuthProblem) and an operator-facing `explanation`

Two flags help callers decide what to do next:
`is_retriable`: repeating the same request later may succeed (429, 5xx, transport errors).
`outcome_unknown`: a write may have been applied though no success was read (5xx, a transport error
after the request may have been sent, an unreadable 2xx). Reconcile before resending.

No exception holds request headers or the API key; messages quote only the path and Ozon's answer.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

__all__ = [
    "AuthProblem",
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
    "api_error",
    "classify_auth_problem",
]

GRPC_UNAUTHENTICATED = 16


class MediaUnavailable(Exception):
    """A picture a message links could not be downloaded (gone, too large, not a picture)."""


class OzonError(Exception):
    """Base of all errors of the Ozon client."""

    is_retriable: bool = False
    outcome_unknown: bool = False

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OzonTransportError(OzonError):
    """No HTTP answer arrived. `may_have_arrived` is False only when the request surely was
    never sent (connect error, connect or pool timeout): only then is a write safe to repeat."""

    is_retriable = True

    def __init__(self, message: str, *, path: str | None = None, may_have_arrived: bool) -> None:
        super().__init__(message, path=path)
        self.may_have_arrived = may_have_arrived
        self.outcome_unknown = may_have_arrived


class OzonResponseError(OzonError):
    """A 2xx answer whose body is not JSON or does not match the documented shape."""

    outcome_unknown = True

    def __init__(self, message: str, *, path: str | None = None, status: int | None = None) -> None:
        super().__init__(message, path=path)
        self.status = status


class OzonAPIError(OzonError):
    """Ozon answered with a non-2xx status and (usually) `{code, message, details}`."""

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        details: list[Any] | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(f"Ozon {path} answered HTTP {status} (code {code}): {message}", path=path)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


class OzonBadRequest(OzonAPIError):
    """HTTP 400: Ozon refused the request as invalid (also moderation and reply windows)."""


class OzonForbidden(OzonAPIError):
    """HTTP 403 not about credentials, e.g. sending without a Premium Plus subscription."""


class OzonNotFound(OzonAPIError):
    """HTTP 404: unknown chat, posting or method."""


class OzonConflict(OzonAPIError):
    """HTTP 409."""


class OzonRateLimited(OzonAPIError):
    """HTTP 429: over the per-Client-Id limit. `retry_after` in seconds, when Ozon gave it."""

    is_retriable = True

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        details: list[Any] | None = None,
        path: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, details, path)
        self.retry_after = retry_after


class OzonServerError(OzonAPIError):
    """HTTP 5xx: Ozon failed; a write may or may not have been applied."""

    is_retriable = True
    outcome_unknown = True


class AuthProblem(StrEnum):
    """Why Ozon refused the credentials."""

    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    KEY_EXPIRED = "KEY_EXPIRED"
    MISSING_ROLE = "MISSING_ROLE"
    IP_RESTRICTED = "IP_RESTRICTED"
    UNKNOWN = "UNKNOWN"


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


class OzonAuthError(OzonAPIError):
    """HTTP 401, or 403 about the key, its role or the caller's IP. Never retried.

    `kind` says which; `explanation` tells the operator exactly what to do.
    """

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        details: list[Any] | None = None,
        path: str | None = None,
        *,
        kind: AuthProblem = AuthProblem.UNKNOWN,
    ) -> None:
        super().__init__(status, code, message, details, path)
        self.kind = kind
        self.explanation = _EXPLANATIONS[kind].format(path=path or "this method")
        self.args = (f"{self.explanation} (Ozon {path}: HTTP {status}, code {code}: {message})",)


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
    its message speaks of the key, its expiry, a role or an IP address.
    """
    if status not in (401, 403):
        return None
    folded = message.casefold()
    for kind, pattern in _AUTH_KEYWORDS:
        if pattern.search(folded):
            return kind
    if status == 401 or code == GRPC_UNAUTHENTICATED:
        return AuthProblem.UNKNOWN
    return None


_BY_STATUS: dict[int, type[OzonAPIError]] = {
    400: OzonBadRequest,
    403: OzonForbidden,
    404: OzonNotFound,
    409: OzonConflict,
}


def api_error(
    status: int,
    code: int | None,
    message: str,
    details: list[Any] | None = None,
    *,
    path: str | None = None,
    retry_after: float | None = None,
) -> OzonAPIError:
    """Build the most specific `OzonAPIError` for an error answer."""
    kind = classify_auth_problem(status, code, message)
    if kind is not None:
        return OzonAuthError(status, code, message, details, path, kind=kind)
    if status == 429:
        return OzonRateLimited(status, code, message, details, path, retry_after=retry_after)
    if 500 <= status <= 599:
        return OzonServerError(status, code, message, details, path)
    return _BY_STATUS.get(status, OzonAPIError)(status, code, message, details, path)
