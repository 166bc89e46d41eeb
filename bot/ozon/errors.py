"""Exceptions raised by the Ozon client.

    OzonError                     base of everything below; carries `path`
    ├── OzonTransportError        no HTTP answer (connect error, timeout, broken connection)
    ├── OzonResponseError         2xx answer whose body is not the documented JSON
    └── OzonAPIError              non-2xx answer: `status`, `code` (gRPC), `message`, `details`
        ├── OzonBadRequest        400
        ├── OzonForbidden         403 that is not about credentials
        │   └── OzonNoSubscription    403 "not available with existing subscription"
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

Two refusals mean "this feature is off for this seller" (never retried, not an outage):
`OzonNoSubscription` and `OzonAuthError` of kind `AuthProblem.MISSING_ROLE`; `feature_off` says
which, None for any other failure.

No exception holds request headers or the API key; messages quote only the path and Ozon's answer.
"""

from __future__ import annotations

from typing import Any

from bot.ozon.refusals import (
    AuthProblem,
    FeatureOff,
    classify_auth_problem,
    explain,
    is_no_subscription,
)

__all__ = [
    "AuthProblem",
    "FeatureOff",
    "MediaUnavailable",
    "OzonAPIError",
    "OzonAuthError",
    "OzonBadRequest",
    "OzonConflict",
    "OzonError",
    "OzonForbidden",
    "OzonNoSubscription",
    "OzonNotFound",
    "OzonRateLimited",
    "OzonResponseError",
    "OzonServerError",
    "OzonTransportError",
    "api_error",
    "classify_auth_problem",
    "feature_off",
]


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


class OzonNoSubscription(OzonForbidden):
    """HTTP 403 "... not available with existing subscription": the seller's subscription does
    not include the method (reviews, questions). The feature is off; never retried."""


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
        self.explanation = explain(kind, path)
        self.args = (f"{self.explanation} (Ozon {path}: HTTP {status}, code {code}: {message})",)


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
    if is_no_subscription(status, message):
        return OzonNoSubscription(status, code, message, details, path)
    kind = classify_auth_problem(status, code, message)
    if kind is not None:
        return OzonAuthError(status, code, message, details, path, kind=kind)
    if status == 429:
        return OzonRateLimited(status, code, message, details, path, retry_after=retry_after)
    if 500 <= status <= 599:
        return OzonServerError(status, code, message, details, path)
    return _BY_STATUS.get(status, OzonAPIError)(status, code, message, details, path)


def feature_off(error: BaseException) -> FeatureOff | None:
    """Whether a failure says the feature is off for this seller: its subscription lacks the
    method (`NO_SUBSCRIPTION`) or the key's roles do (`MISSING_ROLE`). None for anything else:
    another refusal, a bad request, an outage."""
    if isinstance(error, OzonNoSubscription):
        return FeatureOff.NO_SUBSCRIPTION
    if isinstance(error, OzonAuthError) and error.kind is AuthProblem.MISSING_ROLE:
        return FeatureOff.MISSING_ROLE
    return None
