"""The boundary with httpx: its exceptions and Ozon's error answers become `OzonError`s."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.ozon.errors import OzonAPIError, OzonResponseError, OzonTransportError, api_error
from bot.retry_after import parse_retry_after

__all__ = [
    "as_dict",
    "decode_body",
    "error_from_response",
    "parse_model",
    "parse_retry_after",
    "transport_error",
]

_M = TypeVar("_M", bound=BaseModel)

# Failures that happen before a single byte of the request reaches the server.
_NEVER_SENT: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
_MAX_QUOTED = 300


def redact(text: str, secret: str) -> str:
    """Remove a secret from text that came from elsewhere (Ozon's messages, library errors)."""
    return text.replace(secret, "***") if secret else text


def transport_error(exc: httpx.HTTPError, path: str, secret: str) -> OzonTransportError:
    """Translate an httpx failure without an answer."""
    detail = redact(str(exc), secret)[:_MAX_QUOTED] or "no details"
    return OzonTransportError(
        f"{type(exc).__name__} on Ozon {path}: {detail}",
        path=path,
        may_have_arrived=not isinstance(exc, _NEVER_SENT),
    )


def error_from_response(response: httpx.Response, path: str, secret: str) -> OzonAPIError:
    """Build the error for a non-2xx answer from Ozon's `{code, message, details}` body."""
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        body = None
    code, message, details = _error_fields(body)
    if not message:
        message = (response.text.strip() if body is None else "") or response.reason_phrase
    return api_error(
        response.status_code,
        code,
        redact(message, secret)[: _MAX_QUOTED * 3],
        [redact(d, secret)[:_MAX_QUOTED] if isinstance(d, str) else d for d in details],
        path=path,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _error_fields(body: Any) -> tuple[int | None, str, list[Any]]:
    """`code`, `message` and `details` of an error body, where they can be read. The question
    methods give `details` as one string: it is kept as a list of that string."""
    if not isinstance(body, dict):
        return None, "", []
    if not isinstance(body.get("message"), str) and isinstance(body.get("error"), dict):
        body = body["error"]
    raw_code, message, details = body.get("code"), body.get("message"), body.get("details")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    if isinstance(details, str):
        details = [details] if details.strip() else []
    return (
        code,
        message if isinstance(message, str) else "",
        details if isinstance(details, list) else [],
    )


def decode_body(response: httpx.Response, path: str) -> Any:
    """JSON of a 2xx answer; an empty body reads as `{}` (notification methods send none)."""
    if not response.content.strip():
        return {}
    try:
        return json.loads(response.content)  # stdlib json keeps uint64 ids exact
    except ValueError as exc:
        raise OzonResponseError(
            f"Ozon {path} answered HTTP {response.status_code} with a body that is not JSON",
            path=path,
            status=response.status_code,
        ) from exc


def parse_model(model: type[_M], data: Any, path: str) -> _M:
    """Validate a decoded answer; a mismatch becomes `OzonResponseError` naming the first field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors()
        where = ".".join(str(part) for part in problems[0]["loc"]) if problems else ""
        reason = problems[0]["msg"] if problems else "invalid"
        raise OzonResponseError(
            f"Ozon {path} answered with an unexpected shape at {where or 'top level'}: "
            f"{reason} ({len(problems)} problem(s))",
            path=path,
        ) from exc


def as_dict(data: Any) -> dict[str, Any]:
    """Loosely typed answers (notification methods): a dict, or the value under `result`."""
    return data if isinstance(data, dict) else {"result": data}
