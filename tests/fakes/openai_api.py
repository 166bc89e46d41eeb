"""An OpenAI-compatible server on 127.0.0.1 standing in for the model that drafts replies:
`GET /v1/models` and `POST /v1/chat/completions`, answered with JSON, or with Server-Sent Events
(`chat.completion.chunk`s, then `data: [DONE]`) when the request says `stream: true`.
Requests carry when they arrived and were answered; `most_in_flight` is the most answered at
one time.

`async with FakeOpenAI() as llm:` then point the client at `llm.url` (it ends in `/v1`, as a base
URL does). Every request is recorded in `requests` (to assert what a prompt holds and what it
must not) and each chat request is checked against the Chat Completions request format
(`openai_spec`): what the format does not allow is answered 400 and kept in `spec_violations`,
which tests assert stays empty.

Knobs: `latency` (seconds before every answer), `queue(...)` (the next answers, each text or an
`Answer` with its own delay, finish reason, refusal or missing content), `answer_with` (a
function of the request, used when the queue is empty), `fail_next(status, body)` (the next
request(s) answered with an error), `api_key` (when set, requests must carry
`Authorization: Bearer <key>`; a wrong one is answered 401 quoting the key it got, as a careless
server might, so tests can see the client scrub it), `models` (what `/v1/models` lists and chat
accepts; other models are answered 404 as OpenAI does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.fakes.openai_spec import validate_chat_request

__all__ = ["Answer", "Failure", "FakeOpenAI", "RecordedRequest"]

_CREATED = 1_700_000_000


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of the model: `content` None leaves the field out, "" sends it empty."""

    content: str | None = "A draft reply."
    finish_reason: str = "stop"
    refusal: str | None = None
    delay: float = 0.0
    choices: bool = True
    """False: the answer has an empty `choices` list."""


@dataclass(frozen=True, slots=True)
class Failure:
    """An error answer: `body` is sent as JSON (a dict) or as plain text (a str)."""

    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body; None when there was none or it was not JSON."""
    status: int = 0
    received_at: float = 0.0
    """`time.monotonic()` when the request arrived."""
    answered_at: float = 0.0
    """`time.monotonic()` when its answer was ready to go (0: not yet)."""

    @property
    def messages(self) -> list[tuple[str, str]]:
        """(role, text) of each message of a chat request."""
        found = self.body.get("messages") if isinstance(self.body, dict) else None
        return [
            (str(m.get("role")), _text_of(m.get("content")))
            for m in found or []
            if isinstance(m, dict)
        ]

    @property
    def prompt(self) -> str:
        """All the text the request sends the model, one message per line."""
        return "\n".join(text for _, text in self.messages)


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An error as OpenAI sends it."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class FakeOpenAI:
    """The double; see the module's docstring for its knobs."""

    def __init__(
        self,
        *,
        models: Sequence[str] = ("test-model",),
        api_key: str | None = None,
        latency: float = 0.0,
    ) -> None:
        self.models = list(models)
        self.api_key = api_key
        self.latency = latency
        self.answer_with: Callable[[RecordedRequest], str | Answer] | None = None
        self.requests: list[RecordedRequest] = []
        self.spec_violations: list[str] = []
        self.in_flight = 0
        """Requests being answered now."""
        self.most_in_flight = 0
        """The most requests being answered at one time."""
        self._answers: deque[Answer] = deque()
        self._failures: deque[Failure] = deque()
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.url = ""

    # --- knobs ----------------------------------------------------------------------------

    def queue(self, *answers: str | Answer) -> None:
        """Answer the next chat requests with these, in order."""
        self._answers.extend(_as_answer(a) for a in answers)

    def fail_next(
        self,
        status: int,
        body: dict[str, Any] | str | None = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests (of any path) with this error."""
        if body is None:
            body = error_body(f"Injected failure {status}", "server_error")
        self._failures.extend([Failure(status, body, dict(headers or {}))] * times)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing.set()  # wakes requests waiting out a latency
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    # --- requests -------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            request.method,
            request.path,
            {k.title(): v for k, v in request.headers.items()},
            body,
            received_at=time.monotonic(),
        )
        self.requests.append(record)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self._pause(self.latency)
            response = await self._answer(request, record, raw)
        finally:
            self.in_flight -= 1
        record.status = response.status
        record.answered_at = time.monotonic()
        return response

    async def _answer(
        self, request: web.Request, record: RecordedRequest, raw: bytes
    ) -> web.StreamResponse:
        if self._failures:
            failure = self._failures.popleft()
            if isinstance(failure.body, str):
                return web.Response(
                    status=failure.status, text=failure.body, headers=failure.headers
                )
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        refusal = self._check_key(record)
        if refusal is not None:
            return refusal
        route = (request.method, request.path)
        if route == ("GET", "/v1/models"):
            return web.json_response({"object": "list", "data": [_model(m) for m in self.models]})
        if route == ("POST", "/v1/chat/completions"):
            return await self._chat(request, record, raw)
        return web.json_response(
            error_body(f"Invalid URL ({request.method} {request.path})", "invalid_request_error"),
            status=404,
        )

    def _check_key(self, record: RecordedRequest) -> web.Response | None:
        if self.api_key is None:
            return None
        given = record.headers.get("Authorization", "")
        if given == f"Bearer {self.api_key}":
            return None
        presented = given.removeprefix("Bearer ") or "none"
        return web.json_response(
            error_body(
                f"Incorrect API key provided: {presented}.",
                "invalid_request_error",
                "invalid_api_key",
            ),
            status=401,
        )

    async def _chat(
        self, request: web.Request, record: RecordedRequest, raw: bytes
    ) -> web.StreamResponse:
        problems = [] if record.body is not None else [f"body: not JSON: {raw[:80]!r}"]
        if request.content_type != "application/json":
            problems.append(f"Content-Type: expected application/json, got {request.content_type}")
        problems += validate_chat_request(record.body) if record.body is not None else []
        if problems:
            self.spec_violations.extend(f"POST /v1/chat/completions: {p}" for p in problems)
            return web.json_response(
                error_body("; ".join(problems), "invalid_request_error"), status=400
            )
        body: dict[str, Any] = record.body
        if body["model"] not in self.models:
            message = f"The model `{body['model']}` does not exist or you do not have access to it."
            return web.json_response(
                error_body(message, "invalid_request_error", "model_not_found"), status=404
            )
        answer = self._next_answer(record)
        await self._pause(answer.delay)
        if body.get("stream") is True:
            return await self._stream(request, body, answer, record)
        return web.json_response(_completion(body["model"], answer, record))

    def _next_answer(self, record: RecordedRequest) -> Answer:
        if self._answers:
            return self._answers.popleft()
        if self.answer_with is not None:
            return _as_answer(self.answer_with(record))
        return Answer()

    async def _stream(
        self, request: web.Request, body: dict[str, Any], answer: Answer, record: RecordedRequest
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        options = body.get("stream_options") or {}
        for chunk in _chunks(
            body["model"], answer, record, usage=bool(options.get("include_usage"))
        ):
            await response.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _as_answer(item: str | Answer) -> Answer:
    return Answer(content=item) if isinstance(item, str) else item


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": _CREATED, "owned_by": "fake-openai"}


def _usage(answer: Answer, record: RecordedRequest) -> dict[str, int]:
    prompt = len(record.prompt.split())
    completion = len((answer.content or "").split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(model: str, answer: Answer, record: RecordedRequest) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "refusal": answer.refusal}
    if answer.content is not None:
        message["content"] = answer.content
    choices = [{"index": 0, "message": message, "finish_reason": answer.finish_reason}]
    return {
        "id": f"chatcmpl-{len(record.prompt)}-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": choices if answer.choices else [],
        "usage": _usage(answer, record),
    }


def _chunks(
    model: str, answer: Answer, record: RecordedRequest, *, usage: bool
) -> list[dict[str, Any]]:
    """The answer as OpenAI streams it: the role, the text a word at a time, the finish reason,
    then (when asked) a last chunk with no choices and the usage."""
    head: dict[str, Any] = {"id": f"chatcmpl-{time.monotonic_ns()}", "created": _CREATED}
    head |= {"object": "chat.completion.chunk", "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in re.findall(r"\s*\S+", answer.content or "")]
    chunks.append(chunk({}, answer.finish_reason))
    if usage:
        chunks.append(head | {"choices": [], "usage": _usage(answer, record)})
    return chunks
