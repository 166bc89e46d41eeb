"""`ModelClient`: chat completions and the model list of one OpenAI-compatible server (a hosted
service, or a local Ollama, vLLM or LM Studio), over the official `openai` package.

Waiting: a person waits for each answer, so the whole call, retries included, ends within
`timeout` seconds (AI_TIMEOUT_SECONDS); past it the call fails as `ModelUnavailable`. Inside that
time the `openai` package retries at most `MAX_RETRIES` times after a failed connection, a
timeout, 408, 409, 429 or 5xx, waiting as the server's Retry-After says (else 0.5 s, then 1 s).
Two quick retries ride out a server restarting, a proxy's 502 or a short burst of 429s; more
would only keep the person waiting for an answer they had better ask for again later. A
Retry-After longer than the time left ends in `ModelUnavailable` at the deadline.

The server and the key come from the arguments only: with no key a placeholder is sent (local
servers need none), so an OPENAI_API_KEY in the environment never goes to another server. (The
`openai` package still reads OPENAI_ORG_ID, OPENAI_PROJECT_ID and OPENAI_CUSTOM_HEADERS for
headers nobody passes.)

The answer's length is bounded with `max_tokens`, which OpenAI-compatible servers know; OpenAI's
newer models refuse it for `max_completion_tokens`, so a 400 saying so switches the client to
that field for good. The messages are plain `Message`s; answers are read by `_answers`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Literal, Self

import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from bot.llm._answers import completion_text, model_ids
from bot.llm._wire import (
    Endpoint,
    Target,
    asks_for_completion_tokens,
    error_from,
    not_offered,
    shown_url,
    timed_out,
)
from bot.llm.errors import ModelError
from bot.llm.messages import Message

__all__ = ["CONNECT_TIMEOUT", "KEYLESS", "MAX_RETRIES", "ModelClient"]

MAX_RETRIES = 2
"""Retries after the first attempt, within the call's time limit (see the module's docstring)."""
CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection: a server that does not accept one by then is not there."""
KEYLESS = "no-key"
"""Sent as the key when none is set: the `openai` package needs one, local servers ignore it."""

_LimitField = Literal["max_tokens", "max_completion_tokens"]


class ModelClient:
    """Async client for one model of one server: `async with ModelClient(url, model) as llm:`,
    or call `aclose()` when done. Every failure is a `ModelError` (see `bot.llm.errors`)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.model = model
        self._timeout = timeout
        self._target = Target(shown_url(base_url), model, api_key or None, timeout)
        # Servers that follow OpenAI's newer models refuse max_tokens; learnt on the first refusal.
        self._limit_field: _LimitField = "max_tokens"
        self._openai = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or KEYLESS,
            timeout=openai.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            max_retries=max_retries,
        )

    @property
    def server(self) -> str:
        """The server's base URL as messages show it (no credentials, no query)."""
        return self._target.url

    async def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        """The model's answer to the conversation: its text, stripped, never empty.

        `max_tokens` bounds the length of the answer. Raises `ModelUnavailable` (try later),
        `ModelRefused` (fix a setting) or `ModelAnswerUnusable` (no text in the answer).
        """
        if not messages:
            raise ValueError("a conversation needs at least one message")
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        turns = [_turn(message) for message in messages]
        try:
            async with asyncio.timeout(self._timeout):
                body = await self._create(turns, max_tokens)
        except TimeoutError:
            raise timed_out(self._target) from None
        return completion_text(body, self._target)

    async def models(self) -> list[str]:
        """The ids of the models the server offers (GET /models), in its order."""
        try:
            async with asyncio.timeout(self._timeout):
                answer = await self._openai.models.with_raw_response.list()
                body = answer.content
        except TimeoutError:
            raise timed_out(self._target) from None
        except openai.APIError as exc:
            raise self._error(exc, "models") from None
        return model_ids(body, self._target)

    async def ensure_offered(self) -> list[str]:
        """The models the server offers, once it is clear that the client's model is among them
        (Ollama's `name` stands for the `name:latest` it lists). Raises `ModelRefused` naming
        AI_MODEL and the models there are, or what `models()` raises."""
        offered = await self.models()
        if self.model not in offered and f"{self.model}:latest" not in offered:
            raise not_offered(self._target, offered)
        return offered

    async def _create(self, turns: list[ChatCompletionMessageParam], max_tokens: int) -> bytes:
        """The body of the 2xx answer, as sent (see `_answers` for why it is read raw)."""
        while True:
            field = self._limit_field
            try:
                answer = await self._openai.chat.completions.with_raw_response.create(
                    model=self.model,
                    messages=turns,
                    max_tokens=max_tokens if field == "max_tokens" else openai.omit,
                    max_completion_tokens=(
                        max_tokens if field == "max_completion_tokens" else openai.omit
                    ),
                )
                return answer.content
            except openai.BadRequestError as exc:
                if field == "max_tokens" and asks_for_completion_tokens(exc):
                    self._limit_field = "max_completion_tokens"
                    continue
                raise self._error(exc, "chat") from None
            except openai.APIError as exc:
                raise self._error(exc, "chat") from None

    def _error(self, exc: openai.APIError, endpoint: Endpoint) -> ModelError:
        return error_from(exc, self._target, endpoint)

    async def aclose(self) -> None:
        await self._openai.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _turn(message: Message) -> ChatCompletionMessageParam:
    if message.role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=message.content)
    if message.role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=message.content)
    return ChatCompletionUserMessageParam(role="user", content=message.content)
