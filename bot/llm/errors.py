"""Exceptions raised by the language-model client: one tree, split by what the reader does next.

    ModelError                 base of everything below; `setting` names the variable to look at
    ├── ModelUnavailable       try again later: no answer in time, no connection, HTTP 5xx, 429
    │                          (`retry_after` seconds when the server said), 408, 409
    ├── ModelRefused           fix the settings: 401/403 (the key), 404 (the model or the URL),
    │                          400/422 and other 4xx (the request or the model's limits), a 429
    │                          that says the account is out of quota, a model list without the
    │                          model; `status` is the HTTP status (None for the model list)
    └── ModelAnswerUnusable    the model answered, but with no text to show: empty or missing
                               content, a refusal, a filtered answer, a body that is not a chat
                               completion; `finish_reason` when the server gave one

`is_retriable`: repeating the same request later may succeed (only `ModelUnavailable`).

Every message is one sentence an operator can act on: what happened, then what to change or do.
Messages quote the server's own words (trimmed), never the API key: the client scrubs the key from
everything it quotes (see `bot.llm._wire`), and no exception holds the request or its headers.
"""

from __future__ import annotations

__all__ = ["ModelAnswerUnusable", "ModelError", "ModelRefused", "ModelUnavailable"]


class ModelError(Exception):
    """Base of all errors of the language-model client."""

    is_retriable: bool = False

    def __init__(self, message: str, *, setting: str = "AI_API_URL") -> None:
        super().__init__(message)
        self.setting = setting


class ModelUnavailable(ModelError):
    """The model could not answer now (unreachable, slow, overloaded, rate-limited): try later.

    `status` is the HTTP status when there was an answer (None: no connection or no answer in
    time); `retry_after` the seconds the server asked to wait, when it said."""

    is_retriable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        setting: str = "AI_API_URL",
    ) -> None:
        super().__init__(message, setting=setting)
        self.status = status
        self.retry_after = retry_after


class ModelRefused(ModelError):
    """The server refused the request as configured: retrying cannot help, a setting must change.

    `setting` is the variable the message asks to fix (AI_API_KEY, AI_MODEL or AI_API_URL);
    `status` the HTTP status of the refusal, None when the server lists no such model."""

    def __init__(self, message: str, *, status: int | None, setting: str) -> None:
        super().__init__(message, setting=setting)
        self.status = status


class ModelAnswerUnusable(ModelError):
    """The model answered without text to show (empty, refused, filtered, or not a completion)."""

    def __init__(
        self, message: str, *, finish_reason: str | None = None, setting: str = "AI_MODEL"
    ) -> None:
        super().__init__(message, setting=setting)
        self.finish_reason = finish_reason
