"""The boundary with the `openai` package: its exceptions become `ModelError`s, with the API key
scrubbed from everything quoted.

Only this module and `client` import `openai`. The key never reaches a message: the server's own
words and the library's error texts pass through `redact` before they are quoted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import openai

from bot.llm.errors import ModelAnswerUnusable, ModelError, ModelRefused, ModelUnavailable
from bot.retry_after import parse_retry_after

__all__ = [
    "BASE_EXAMPLE",
    "Endpoint",
    "Target",
    "asks_for_completion_tokens",
    "error_from",
    "not_offered",
    "redact",
    "shown_url",
    "timed_out",
]

Endpoint = Literal["chat", "models"]
_MAX_QUOTED = 300
_MODELS_SHOWN = 10
"""A model list longer than this is shown in part, the rest counted."""
BASE_EXAMPLE = "http://localhost:11434/v1"


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text that came from elsewhere (the server's words, library errors)."""
    return text.replace(secret, "***") if secret else text


def shown_url(url: str) -> str:
    """The URL as messages show it: no user name, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


@dataclass(frozen=True, slots=True)
class Target:
    """What messages name (the server as shown, the model), the key to scrub, the time limit."""

    url: str
    model: str
    key: str | None
    timeout: float

    def quote(self, text: str) -> str:
        """Outside text, fit for a message: the key scrubbed, one line, trimmed."""
        flat = " ".join(redact(text, self.key).split())
        return flat if len(flat) <= _MAX_QUOTED else flat[: _MAX_QUOTED - 1] + "…"


def timed_out(target: Target) -> ModelUnavailable:
    return ModelUnavailable(
        f"the model server at AI_API_URL ({target.url}) gave no answer within "
        f"{target.timeout:g} s (AI_TIMEOUT_SECONDS): it is busy or the model is slow to load; "
        "try again later, or raise AI_TIMEOUT_SECONDS for a slow local model"
    )


def error_from(exc: openai.APIError, target: Target, endpoint: Endpoint) -> ModelError:
    """Translate an error of the openai package (after its own retries)."""
    if isinstance(exc, openai.APITimeoutError):
        return timed_out(target)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        detail = target.quote(str(cause) if cause is not None else str(exc)) or "no details"
        return ModelUnavailable(
            f"cannot connect to the model server at AI_API_URL ({target.url}): {detail}; check "
            "that it runs and that AI_API_URL is its address, then try again"
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, target, endpoint)
    return ModelAnswerUnusable(
        f"the model server at AI_API_URL ({target.url}) answered with something other than the "
        f"OpenAI API's format ({target.quote(exc.message)}): set AI_API_URL to the "
        f"OpenAI-compatible base of the service, like {BASE_EXAMPLE}",
        setting="AI_API_URL",
    )


def _status_error(exc: openai.APIStatusError, target: Target, endpoint: Endpoint) -> ModelError:
    status = exc.status_code
    said = f"HTTP {status}: {_server_words(exc, target)}"
    where = f"the model server at AI_API_URL ({target.url})"
    if status == 429 and exc.code != "insufficient_quota":
        wait = parse_retry_after(exc.response.headers.get("retry-after"))
        when = f"in {max(1, math.ceil(wait))} s" if wait is not None else "in a minute"
        return ModelUnavailable(
            f"{where} is overloaded or limits requests ({said}); try again {when}",
            status=status,
            retry_after=wait,
        )
    if status in (408, 409) or status >= 500:
        return ModelUnavailable(f"{where} failed ({said}); try again later", status=status)
    if status in (401, 403, 429):
        advice = _key_advice(status, where, said, target)
        return ModelRefused(advice, status=status, setting="AI_API_KEY")
    if status == 404:
        return _not_found(where, said, target, endpoint)
    return ModelRefused(
        f"{where} refused the request ({said}): check that AI_MODEL ({target.model}) names a "
        "chat model of this service",
        status=status,
        setting="AI_MODEL",
    )


def _key_advice(status: int, where: str, said: str, target: Target) -> str:
    if status == 429:
        return (
            f"{where} says the account is out of quota ({said}): top up the account of "
            "AI_API_KEY, or set another key"
        )
    if status == 403:
        return (
            f"{where} denies AI_API_KEY the model {target.model} ({said}): allow the key to use "
            "AI_MODEL, or set AI_API_KEY to a key that may"
        )
    if target.key is None:
        return f"{where} requires an API key ({said}): set AI_API_KEY to a key of this service"
    return f"{where} rejected AI_API_KEY ({said}): set AI_API_KEY to a valid key of this service"


def _not_found(where: str, said: str, target: Target, endpoint: Endpoint) -> ModelRefused:
    base_advice = f"set AI_API_URL to the service's OpenAI-compatible base, like {BASE_EXAMPLE}"
    if endpoint == "models":
        return ModelRefused(
            f"{where} has no model list at /models ({said}): {base_advice}",
            status=404,
            setting="AI_API_URL",
        )
    return ModelRefused(
        f"{where} has no model {target.model} or no chat completions ({said}): set AI_MODEL to a "
        f"model it offers (`python -m bot check` lists them), and {base_advice}",
        status=404,
        setting="AI_MODEL",
    )


def not_offered(target: Target, offered: list[str]) -> ModelRefused:
    """The server answered the model list without the client's model."""
    where = f"the model server at AI_API_URL ({target.url})"
    if not offered:
        advice = (
            f"offers no model: load one there (Ollama: `ollama pull {target.model}`), or set "
            f"AI_API_URL to a server that has AI_MODEL {target.model}"
        )
    else:
        shown = ", ".join(offered[:_MODELS_SHOWN])
        more = len(offered) - _MODELS_SHOWN
        advice = f"does not offer AI_MODEL {target.model}: set AI_MODEL to one of {shown}" + (
            f" and {more} more" if more > 0 else ""
        )
    return ModelRefused(f"{where} answers but {advice}", status=None, setting="AI_MODEL")


def _server_words(exc: openai.APIStatusError, target: Target) -> str:
    """What the server said about the error: the `message` of an OpenAI-style error, the
    `error` or `detail` string other servers send, else the start of the body."""
    body = exc.body
    if isinstance(body, dict):
        for name in ("message", "error", "detail"):
            value = body.get(name)
            if isinstance(value, str) and value.strip():
                return target.quote(value)
        body = None
    if isinstance(body, str) and body.strip():
        return target.quote(body)
    return exc.response.reason_phrase or "no details"


def asks_for_completion_tokens(exc: openai.BadRequestError) -> bool:
    """Newer OpenAI models refuse `max_tokens` and name `max_completion_tokens` instead."""
    body = exc.body
    words = body.get("message") if isinstance(body, dict) else body
    return isinstance(words, str) and "max_completion_tokens" in words
