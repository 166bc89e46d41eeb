"""A stateful loopback stand-in for the Ozon Seller API: chats, roles and push subscriptions.

`FakeOzon` is an aiohttp server on 127.0.0.1. It keeps chats and messages in memory, checks every
request against the spec fixture (`ozon_spec`), reproduces the quirks of Ozon's answers (string ids,
`has_next` as a string, varying enum case, a Cyrillic "Сustomer", mixed timestamp precision) and
injects faults on request. Violations of the request spec are answered 400 and collected in
`spec_violations`; tests assert that list stays empty.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import math
import mimetypes
import random
import time
import traceback
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self
from urllib.parse import quote

import aiohttp
from aiohttp import web

from tests.fakes.ozon_spec import load_spec, parse_uint64, validate_request

FIRST_MESSAGE_ID = 3000000000817031942
CHAT_METHODS = (
    "/v3/chat/list",
    "/v3/chat/history",
    "/v1/chat/send/message",
    "/v1/chat/send/file",
    "/v2/chat/read",
    "/v1/chat/start",
)
REMOVED_METHODS = frozenset(
    {"/v1/chat/list", "/v1/chat/history", "/v1/chat/updates", "/v2/chat/list", "/v2/chat/history"}
)
_EMPTY_BODY_OK = frozenset({"/v1/roles", "/v1/notification/push-type/list"})
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".heic")
# A 1x1 PNG, used when an image message is added without bytes.
DEFAULT_IMAGE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 10, 429: 8}
_DEFAULT_MESSAGES = {
    400: "invalid argument",
    401: "Invalid Api-Key, please contact support",
    403: "You have no access to this method, check the roles of your Api-Key",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "request conflict",
    429: "You have reached request rate limit per second",
}
MSG_NO_CHAT_ROLE = "You have no access to this method, check the roles of your Api-Key"
MSG_EXPIRED = "Api-key is expired, please create a new one"
MSG_IP_RESTRICTED = "Access from this IP address is restricted"
MSG_NO_PREMIUM = "Premium Plus subscription is required"
MSG_WINDOW_CLOSED = "The chat is closed for sending messages"
NOTIFICATION_TYPE_DESCRIPTIONS = {
    "TYPE_NEW_MESSAGE": "Новое сообщение в чате",
    "TYPE_UPDATE_MESSAGE": "Изменение сообщения в чате",
    "TYPE_MESSAGE_READ": "Сообщение в чате прочитано",
    "TYPE_CHAT_CLOSED": "Чат закрыт",
    "TYPE_NEW_POSTING": "Новое отправление",
    "TYPE_POSTING_CANCELLED": "Отмена отправления",
    "TYPE_STATE_CHANGED": "Изменение статуса отправления",
}

AuthMode = Literal["ok", "invalid", "expired", "no_chat_role", "ip_restricted"]
Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[web.Response]]


@dataclass
class RecordedRequest:
    """One request as the double saw it; `status` 0 means no answer (yet, or dropped)."""

    path: str
    body: Any
    headers: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    method: str = "POST"


@dataclass
class FakeMessage:
    message_id: int
    created_at: datetime
    data: list[str]
    user_type: str
    user_id: str
    is_read: bool = False
    is_image: bool = False
    file_token: str | None = None
    file_name: str | None = None
    link_as_image: bool = True  # `![](url)` when True, `[name](url)` when False
    moderate_image_status: str = "SUCCESS"
    order_number: str | None = None
    sku: str | None = None
    variant: int = 0  # drives the deterministic quirk variants
    garbled: Json | None = None
    """Fields laid over the rendered JSON: the message in a shape Ozon does not document."""

    @property
    def is_customer(self) -> bool:
        return self.user_type.lower() == "customer"


@dataclass
class FakeChat:
    chat_id: str
    chat_type: str
    status: str
    created_at: datetime
    variant: int
    messages: list[FakeMessage] = field(default_factory=list)
    reply_open: bool = True
    posting_number: str | None = None
    garbled: Json | None = None
    """Fields laid over the rendered list entry: a shape Ozon does not document."""

    @property
    def last_message_id(self) -> int:
        return self.messages[-1].message_id if self.messages else 0

    @property
    def unread(self) -> list[FakeMessage]:
        return [m for m in self.messages if m.is_customer and not m.is_read]


@dataclass
class Subscription:
    id: int
    url: str
    types: list[str]
    created_at: datetime
    enabled: bool = True
    availability_status: str = "GREEN"
    disable_reason: str = ""


@dataclass
class _FailRule:
    path: str | None
    status: int
    remaining: int
    retry_after: float | None
    message: str | None


@dataclass
class _FaultRate:
    probability: float
    statuses: tuple[int, ...]
    rng: random.Random
    paths: frozenset[str] | None
    timeout_share: float
    timeout_seconds: float


class _DropConnection(Exception):
    """Raised after a request was applied, to close the connection without an answer."""


def rpc_error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    """An Ozon error answer: `{"code", "message", "details"}` with the gRPC code for `status`."""
    code = 13 if status >= 500 else _GRPC_CODES.get(status, 2)
    text = message or _DEFAULT_MESSAGES.get(status, "internal error")
    return web.json_response(
        {"code": code, "message": text, "details": []}, status=status, headers=headers
    )


def _ok(payload: Json) -> web.Response:
    return web.json_response(payload, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class FakeOzon:
    """The Ozon Seller API double: `async with FakeOzon() as ozon:`, clients use `ozon.url`."""

    def __init__(
        self,
        client_id: str = "100500",
        api_key: str = "test-ozon-key",
        *,
        quirks: bool = True,
        history_forward_inclusive: bool = True,
        seed: int = 0,
    ) -> None:
        self.client_id = client_id
        self.api_key = api_key
        self.quirks = quirks
        self.history_forward_inclusive = history_forward_inclusive
        self.auth_mode: AuthMode = "ok"
        self.premium = True
        self.latency = 0.0
        self.down = False
        self.rate_limit_per_second: int | None = None
        self.key_expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=90)
        self.ping_timeout = 2.5  # seconds /v1/notification/check waits for the TYPE_PING answer
        self.chats: dict[str, FakeChat] = {}
        self.subscriptions: dict[int, Subscription] = {}
        self.requests: list[RecordedRequest] = []
        self.spec_violations: list[str] = []
        self.internal_errors: list[str] = []
        self.injected_faults: list[tuple[str, int]] = []
        self.sent_texts: list[tuple[str, str]] = []
        self.sent_files: list[tuple[str, str, bytes]] = []
        self.read_marks: list[tuple[str, str | None]] = []
        self._rng = random.Random(seed)
        self._last_id = 0
        self._message_count = 0
        self._customer_count = 0
        self._image_count = 0
        self._next_subscription_id = 1001
        self._files: dict[str, tuple[str, bytes]] = {}
        self._fail_rules: list[_FailRule] = []
        self._fault_rate: _FaultRate | None = None
        self._drops: dict[str, int] = {}
        self._admitted: deque[float] = deque()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Handler] = {
            "/v3/chat/list": self._chat_list,
            "/v3/chat/history": self._chat_history,
            "/v1/chat/send/message": self._send_message,
            "/v1/chat/send/file": self._send_file,
            "/v2/chat/read": self._chat_read,
            "/v1/chat/start": self._chat_start,
            "/v1/roles": self._roles,
            "/v1/notification/set": self._notification_set,
            "/v1/notification/update": self._notification_update,
            "/v1/notification/enable": self._notification_enable,
            "/v1/notification/delete": self._notification_delete,
            "/v1/notification/list": self._notification_list,
            "/v1/notification/check": self._notification_check,
            "/v1/notification/push-type/list": self._push_type_list,
        }

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing.set()  # wakes requests sleeping in latency or simulated timeouts
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeOzon is not started")
        return f"http://127.0.0.1:{self._port}"

    # ---- state set-up ----------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: str | None = None,
        *,
        chat_type: str = "BUYER_SELLER",
        status: str = "OPENED",
        created_at: datetime | None = None,
    ) -> str:
        """Create a chat; returns its id (UUID-like when not given)."""
        if chat_id is None:
            chat_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} exists")
        self.chats[chat_id] = FakeChat(
            chat_id=chat_id,
            chat_type=chat_type.upper(),
            status=status.upper(),
            created_at=_utc(created_at),
            variant=len(self.chats),
        )
        return chat_id

    def add_message(
        self,
        chat_id: str,
        text: str | list[str] = "Здравствуйте!",
        *,
        user_type: str = "Customer",
        user_id: str = "115568",
        is_image: bool = False,
        image: bytes | None = None,
        image_name: str = "photo.jpg",
        created_at: datetime | None = None,
        order_number: str | None = None,
        sku: str | None = None,
        is_read: bool = False,
    ) -> str:
        """Append a message to a chat; returns its id as a decimal string."""
        chat = self.chats[chat_id]
        data = [text] if isinstance(text, str) else list(text)
        message = self._append(
            chat, data, user_type, user_id, created_at=created_at, is_read=is_read
        )
        message.order_number, message.sku = order_number, sku
        if is_image or image is not None:
            self._attach_file(message, image if image is not None else DEFAULT_IMAGE, image_name)
        return str(message.message_id)

    def garble(self, chat_id: str, message_id: str | None = None, **fields: Any) -> None:
        """From now on show a chat's list entry (or one of its messages) with `fields` laid over
        it: an answer in a shape Ozon's documentation does not describe. No fields: as before."""
        chat = self.chats[chat_id]
        if message_id is None:
            chat.garbled = fields or None
            return
        (message,) = [m for m in chat.messages if str(m.message_id) == message_id]
        message.garbled = fields or None

    def close_chat(self, chat_id: str) -> None:
        self.chats[chat_id].status = "CLOSED"

    def set_reply_window(self, chat_id: str, open: bool = False) -> None:
        """Open or close the window in which Ozon accepts sends to this chat."""
        self.chats[chat_id].reply_open = open

    def messages(self, chat_id: str) -> list[FakeMessage]:
        """The chat's messages, oldest first."""
        return self.chats[chat_id].messages

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    # ---- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        path: str | None,
        status: int,
        *,
        count: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `count` requests to `path` (None: any) with `status`, unapplied."""
        self._fail_rules.append(_FailRule(path, status, count, retry_after, message))

    def fault_rate(
        self,
        probability: float,
        statuses: Sequence[int] = (429, 500, 502, 503),
        *,
        seed: int = 0,
        paths: Collection[str] | None = None,
        timeout_share: float = 0.0,
        timeout_seconds: float = 30.0,
    ) -> None:
        """Fail a random share of requests (unapplied); `probability` 0 turns this off."""
        if probability <= 0:
            self._fault_rate = None
            return
        self._fault_rate = _FaultRate(
            probability=probability,
            statuses=tuple(statuses),
            rng=random.Random(seed),
            paths=frozenset(paths) if paths is not None else None,
            timeout_share=timeout_share,
            timeout_seconds=timeout_seconds,
        )

    def drop_response_after_apply(self, path: str, count: int = 1) -> None:
        """Apply the next `count` valid requests to `path`, then close the connection unanswered."""
        self._drops[path] = self._drops.get(path, 0) + count

    # ---- request pipeline ------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        record = RecordedRequest(
            path=request.path,
            body=self._parse(raw)[1],
            headers={k.title(): v for k, v in request.headers.items()},
            method=request.method,
        )
        self.requests.append(record)
        try:
            response = await self._pipeline(request, raw)
        except _DropConnection:
            # Closing the transport makes aiohttp's write fail and end the connection quietly.
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            response = rpc_error(500, "internal error")
        record.status = response.status
        return response

    async def _pipeline(self, request: web.Request, raw: bytes) -> web.StreamResponse:
        path = request.path
        if path.startswith("/files/") and request.method in {"GET", "HEAD"}:
            return self._serve_file(path)
        await self._sleep(self.latency)
        refusal = self._gate(request)
        if refusal is None:
            refusal = await self._injected(path)
        if refusal is None:
            refusal = self._unknown_path(path)
        if refusal is None:
            refusal = self._auth_error(request, path)
        if refusal is None:
            refusal = self._body_error(request, raw)
        if refusal is not None:
            return refusal
        body: Json = {} if not raw.strip() else self._parse(raw)[1]
        handler = self._handlers.get(path)
        if handler is None:
            return _ok(load_spec()["otherExamples"][path])
        response = await handler(body)
        if self._drops.get(path, 0) > 0:
            self._drops[path] -= 1
            raise _DropConnection
        return response

    def _gate(self, request: web.Request) -> web.Response | None:
        """Refusals that come before Ozon looks at the request: outage, method, rate limit."""
        if self.down:
            return rpc_error(503, "service unavailable")
        if request.method != "POST":
            return self._violation(request.path, f"method {request.method} is not allowed", 405)
        return self._rate_limited()

    def _unknown_path(self, path: str) -> web.Response | None:
        if path in self._handlers or path in load_spec()["otherExamples"]:
            return None
        problem = f"{path} was removed by Ozon" if path in REMOVED_METHODS else "unknown method"
        return self._violation(path, problem, 404, "Not Found")

    def _body_error(self, request: web.Request, raw: bytes) -> web.Response | None:
        """Malformed JSON, a wrong Content-Type or a body the spec does not allow."""
        path = request.path
        if not raw.strip():
            if path in _EMPTY_BODY_OK:
                return None
            return self._violation(path, "empty body, a JSON object is required")
        parsed, body = self._parse(raw)
        if not parsed:
            return self._violation(path, "malformed JSON body")
        if request.content_type != "application/json":
            return self._violation(path, f"Content-Type {request.content_type!r} is not JSON")
        if not isinstance(body, dict):
            return self._violation(path, "body must be a JSON object")
        problems = validate_request(path, body)
        return self._violation(path, "; ".join(problems)) if problems else None

    @staticmethod
    def _parse(raw: bytes) -> tuple[bool, Any]:
        try:
            return True, json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except ValueError:
            return False, None

    def _violation(
        self, path: str, problem: str, status: int = 400, message: str | None = None
    ) -> web.Response:
        self.spec_violations.append(f"{path}: {problem}")
        return rpc_error(status, message or problem)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _rate_limited(self) -> web.Response | None:
        limit = self.rate_limit_per_second
        if limit is None:
            return None
        now = time.monotonic()
        while self._admitted and now - self._admitted[0] >= 1.0:
            self._admitted.popleft()
        if len(self._admitted) >= limit:
            return rpc_error(429, headers={"Retry-After": "1", "Ratelimit-Remaining": "0"})
        self._admitted.append(now)
        return None

    async def _injected(self, path: str) -> web.Response | None:
        for rule in self._fail_rules:
            if rule.remaining > 0 and rule.path in (None, path):
                rule.remaining -= 1
                self._fail_rules = [r for r in self._fail_rules if r.remaining > 0]
                return self._fault(path, rule.status, rule.retry_after, rule.message)
        cfg = self._fault_rate
        if cfg is None or (cfg.paths is not None and path not in cfg.paths):
            return None
        if cfg.rng.random() >= cfg.probability:
            return None
        if cfg.rng.random() < cfg.timeout_share:
            await self._sleep(cfg.timeout_seconds)
            return self._fault(path, 504, None, "upstream timeout")
        return self._fault(path, cfg.rng.choice(cfg.statuses), 1.0, None)

    def _fault(
        self, path: str, status: int, retry_after: float | None, message: str | None
    ) -> web.Response:
        self.injected_faults.append((path, status))
        headers: dict[str, str] = {}
        if status == 429:
            headers["Ratelimit-Remaining"] = "0"
            if retry_after is not None:
                headers["Retry-After"] = str(math.ceil(retry_after))
        return rpc_error(status, message, headers)

    def _auth_error(self, request: web.Request, path: str) -> web.Response | None:
        headers = request.headers
        if (
            self.auth_mode == "invalid"
            or headers.get("Client-Id") != self.client_id
            or headers.get("Api-Key") != self.api_key
        ):
            return rpc_error(401, "Invalid Api-Key, please contact support")
        if self.auth_mode == "expired":
            return rpc_error(403, MSG_EXPIRED)
        if self.auth_mode == "ip_restricted":
            return rpc_error(403, MSG_IP_RESTRICTED)
        if self.auth_mode == "no_chat_role" and path in CHAT_METHODS:
            return rpc_error(403, MSG_NO_CHAT_ROLE)
        return None

    def _serve_file(self, path: str) -> web.Response:
        parts = path.split("/", 3)  # "", "files", token, name
        stored = self._files.get(parts[2]) if len(parts) == 4 else None
        if stored is None or stored[0] != parts[3]:
            return web.Response(status=404, text="not found")
        content_type = mimetypes.guess_type(stored[0])[0] or "application/octet-stream"
        return web.Response(body=stored[1], content_type=content_type)

    # ---- state helpers and rendering ---------------------------------------------------------

    def _append(
        self,
        chat: FakeChat,
        data: list[str],
        user_type: str,
        user_id: str,
        *,
        created_at: datetime | None = None,
        is_read: bool = False,
    ) -> FakeMessage:
        self._last_id = (
            FIRST_MESSAGE_ID if self._last_id == 0 else self._last_id + self._rng.randint(1, 1000)
        )
        message = FakeMessage(
            message_id=self._last_id,
            created_at=_utc(created_at),
            data=data,
            user_type=user_type,
            user_id=user_id,
            is_read=is_read,
        )
        if message.is_customer:
            message.variant = self._customer_count
            self._customer_count += 1
        else:
            message.variant = self._message_count
        self._message_count += 1
        chat.messages.append(message)
        return message

    def _attach_file(self, message: FakeMessage, content: bytes, name: str) -> None:
        token = uuid.UUID(int=self._rng.getrandbits(128), version=4).hex
        self._files[token] = (name, content)
        message.file_token, message.file_name = token, name
        message.is_image = name.lower().endswith(_IMAGE_EXTENSIONS)
        if message.is_image:
            message.link_as_image = self._image_count % 2 == 0
            self._image_count += 1
        else:
            message.link_as_image = False

    def file_url(self, message: FakeMessage) -> str:
        """Where the double serves the file of an image/file message."""
        assert message.file_token is not None
        assert message.file_name is not None
        return f"{self.url}/files/{message.file_token}/{quote(message.file_name)}"

    def _id(self, value: int) -> str | int:
        return str(value) if self.quirks else value

    def _enum(self, value: str, variant: int) -> str:
        if self.quirks and variant % 2 == 1:
            return "_".join(part.capitalize() for part in value.split("_"))
        return value

    def _time(self, moment: datetime, variant: int) -> str:
        base = moment.strftime("%Y-%m-%dT%H:%M:%S")
        style = variant % 3 if self.quirks else 0
        if style == 1:
            return f"{base}Z"
        if style == 2:
            return f"{base}.{moment.microsecond // 1000:03d}Z"
        return f"{base}.{moment.microsecond:06d}Z"

    def _user_type(self, message: FakeMessage) -> str:
        if not self.quirks or message.user_type != "Customer":
            return message.user_type
        if message.variant % 2 == 1:
            return "Сustomer"  # Cyrillic С (U+0421), as in Ozon's own example
        return "customer" if message.variant % 4 == 2 else "Customer"

    def new_message_push(self, chat_id: str, message_id: str) -> Json:
        """The TYPE_NEW_MESSAGE push Ozon sends for one of this stand-in's messages."""
        message = next(m for m in self.messages(chat_id) if str(m.message_id) == message_id)
        rendered = self.render_message(message)
        return {
            "message_type": "TYPE_NEW_MESSAGE",
            "chat_id": chat_id,
            "chat_type": "Buyer_Seller",
            "message_id": message_id,
            "created_at": rendered["created_at"],
            "user": rendered["user"],
            "data": rendered["data"],
            "seller_id": "7",
        }

    def render_message(self, message: FakeMessage) -> Json:
        """A message as /v3/chat/history returns it."""
        data = list(message.data)
        if message.file_token is not None:
            url = self.file_url(message)
            data = [f"![]({url})" if message.link_as_image else f"[{message.file_name}]({url})"]
        out: Json = {
            "message_id": self._id(message.message_id),
            "created_at": self._time(message.created_at, message.variant),
            "data": data,
            "is_image": message.is_image,
            "is_read": message.is_read,
            "user": {"id": message.user_id, "type": self._user_type(message)},
        }
        if message.is_image:
            out["moderate_image_status"] = message.moderate_image_status
        if message.order_number is not None or message.sku is not None:
            out["context"] = {"order_number": message.order_number or "", "sku": message.sku or ""}
        return out | (message.garbled or {})

    def _render_chat(self, chat: FakeChat) -> Json:
        unread = chat.unread
        return {
            "chat": {
                "chat_id": chat.chat_id,
                "chat_status": self._enum(chat.status, chat.variant),
                "chat_type": self._enum(chat.chat_type, chat.variant),
                "created_at": self._time(chat.created_at, chat.variant),
            },
            "first_unread_message_id": self._id(unread[0].message_id if unread else 0),
            "last_message_id": self._id(chat.last_message_id),
            "unread_count": len(unread),
        } | (chat.garbled or {})

    def _sendable(self, chat_id: str) -> FakeChat | web.Response:
        if not self.premium:
            return rpc_error(403, MSG_NO_PREMIUM)
        chat = self.chats.get(chat_id)
        if chat is None:
            return rpc_error(404, "chat not found")
        if not chat.reply_open or chat.status == "CLOSED":
            return rpc_error(400, MSG_WINDOW_CLOSED)
        return chat

    # ---- chat methods ----------------------------------------------------------------------

    @staticmethod
    def _activity_key(chat: FakeChat) -> tuple[int, int]:
        return (-chat.last_message_id, -chat.variant)

    @staticmethod
    def _encode_cursor(key: tuple[int, int]) -> str:
        raw = f"{-key[0]}:{-key[1]}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor: str) -> tuple[int, int]:
        padded = cursor + "=" * (-len(cursor) % 4)
        last, variant = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        return (-int(last), -int(variant))

    async def _chat_list(self, body: Json) -> web.Response:
        flt: Json = body.get("filter", {})
        status = str(flt.get("chat_status", "ALL")).upper()
        unread_only = bool(flt.get("unread_only", False))
        limit = int(body["limit"])
        chats = sorted(self.chats.values(), key=self._activity_key)
        chats = [c for c in chats if status in ("ALL", c.status) and (not unread_only or c.unread)]
        cursor = str(body.get("cursor", ""))
        if cursor:
            try:
                after = self._decode_cursor(cursor)
            except (ValueError, UnicodeDecodeError):
                return self._violation("/v3/chat/list", f"invalid cursor {cursor!r}")
            chats = [c for c in chats if self._activity_key(c) > after]
        page = chats[:limit]
        has_next = len(chats) > limit
        next_cursor = self._encode_cursor(self._activity_key(page[-1])) if page else cursor
        return _ok(
            {
                "chats": [self._render_chat(c) for c in page],
                "total_unread_count": sum(len(c.unread) for c in self.chats.values()),
                "cursor": next_cursor,
                "has_next": (str(has_next).lower() if self.quirks else has_next),
            }
        )

    async def _chat_history(self, body: Json) -> web.Response:
        chat = self.chats.get(body["chat_id"])
        if chat is None:
            return rpc_error(404, "chat not found")
        forward = str(body.get("direction", "Backward")).lower() == "forward"
        limit = int(body.get("limit", 50))
        messages = chat.messages
        wanted = body.get("filter", {}).get("message_ids")
        if wanted:
            ids = {parse_uint64(v) for v in wanted}
            messages = [m for m in messages if m.message_id in ids]
        start = parse_uint64(body["from_message_id"]) if "from_message_id" in body else None
        if forward:
            assert start is not None
            inclusive = self.history_forward_inclusive
            chosen = [
                m for m in messages if m.message_id > start or (inclusive and m.message_id == start)
            ]
        else:
            chosen = [m for m in reversed(messages) if start is None or m.message_id <= start]
        page = chosen[:limit]
        return _ok(
            {"has_next": len(chosen) > limit, "messages": [self.render_message(m) for m in page]}
        )

    async def _send_message(self, body: Json) -> web.Response:
        chat = self._sendable(body["chat_id"])
        if isinstance(chat, web.Response):
            return chat
        self._append(chat, [body["text"]], "Seller", self.client_id)
        self.sent_texts.append((chat.chat_id, body["text"]))
        return _ok({"result": "success"})

    async def _send_file(self, body: Json) -> web.Response:
        try:
            content = base64.b64decode(body["base64_content"], validate=True)
        except (binascii.Error, ValueError):
            return self._violation("/v1/chat/send/file", "base64_content is not valid base64")
        if not content or not body["name"]:
            return self._violation("/v1/chat/send/file", "empty file content or name")
        chat = self._sendable(body["chat_id"])
        if isinstance(chat, web.Response):
            return chat
        message = self._append(chat, [], "Seller", self.client_id)
        self._attach_file(message, content, body["name"])
        self.sent_files.append((chat.chat_id, body["name"], content))
        return _ok({"result": "success"})

    async def _chat_read(self, body: Json) -> web.Response:
        chat = self.chats.get(body["chat_id"])
        if chat is None:
            return rpc_error(404, "chat not found")
        upto = parse_uint64(body["from_message_id"]) if "from_message_id" in body else None
        for message in chat.messages:
            if upto is None or message.message_id <= upto:
                message.is_read = True
        self.read_marks.append((chat.chat_id, None if upto is None else str(upto)))
        return _ok({"unread_count": len(chat.unread)})

    async def _chat_start(self, body: Json) -> web.Response:
        if not self.premium:
            return rpc_error(403, MSG_NO_PREMIUM)
        posting = body["posting_number"]
        for chat in self.chats.values():
            if chat.posting_number == posting:
                return _ok({"result": {"chat_id": chat.chat_id}})
        chat_id = self.add_chat()
        self.chats[chat_id].posting_number = posting
        return _ok({"result": {"chat_id": chat_id}})

    async def _roles(self, body: Json) -> web.Response:
        roles: list[Json] = (
            []
            if self.auth_mode == "no_chat_role"
            else [{"name": "Chat", "methods": list(CHAT_METHODS)}]
        )
        roles.extend(r for r in load_spec()["rolesExample"]["roles"] if r["name"] != "Admin")
        return _ok({"roles": roles, "expires_at": _iso(self.key_expires_at)})

    # ---- push notification subscriptions ---------------------------------------------------

    def _subscription(self, body: Json) -> Subscription | web.Response:
        sub = self.subscriptions.get(int(body["id"]))
        return sub if sub is not None else rpc_error(404, "notification url not found")

    async def _notification_set(self, body: Json) -> web.Response:
        if any(s.url == body["url"] for s in self.subscriptions.values()):
            return rpc_error(409, "url already exists")
        sub_id = self._next_subscription_id
        self._next_subscription_id += 1
        self.subscriptions[sub_id] = Subscription(
            sub_id, body["url"], list(body["types"]), datetime.now(UTC)
        )
        return _ok({})

    async def _notification_update(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        sub.url = body.get("url", sub.url)
        sub.types = list(body.get("types", sub.types))
        return _ok({})

    async def _notification_enable(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        sub.enabled = bool(body["enabled"])
        sub.disable_reason = "" if sub.enabled else "SELLER"
        return _ok({})

    async def _notification_delete(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        del self.subscriptions[sub.id]
        return _ok({})

    async def _notification_list(self, body: Json) -> web.Response:
        statuses = body.get("availability_statuses") or ["GREEN", "YELLOW", "RED"]
        subs = [s for s in self.subscriptions.values() if s.availability_status in statuses]
        subs.sort(key=lambda s: s.id, reverse=body.get("sort_dir") == "DESC")
        offset = parse_uint64(body.get("offset", 0))
        limit = parse_uint64(body.get("limit", 100))
        urls = [
            {
                "id": s.id,
                "url": s.url,
                "enable": s.enabled,
                "types": [
                    {"type": t, "description": NOTIFICATION_TYPE_DESCRIPTIONS.get(t, t)}
                    for t in s.types
                ],
                "created_at": _iso(s.created_at),
                "availability_status": s.availability_status,
                "disable_reason": s.disable_reason,
                "reason_details": "",
                "availability_status_date": _iso(s.created_at),
                "problematic_type": "",
            }
            for s in subs[offset : offset + limit]
        ]
        thresholds = [
            {"status": "GREEN", "threshold": 1500},
            {"status": "YELLOW", "threshold": 2500},
            {"status": "RED", "threshold": 2500},
        ]
        return _ok(
            {"urls": urls, "total_count": len(subs), "availability_status_thresholds": thresholds}
        )

    async def _push_type_list(self, body: Json) -> web.Response:
        enum: list[str] = load_spec()["paths"]["/v1/notification/set"]["requestSchema"][
            "properties"
        ]["types"]["items"]["enum"]
        types: list[Json] = []
        for name in enum:
            item: Json = {
                "type": name,
                "description": NOTIFICATION_TYPE_DESCRIPTIONS.get(name, name),
            }
            for sub in self.subscriptions.values():
                if sub.enabled and name in sub.types:
                    item["seller_endpoint"] = {"id": sub.id, "url": sub.url}
                    break
            types.append(item)
        return _ok({"types": types})

    async def _notification_check(self, body: Json) -> web.Response:
        errors = await self._ping(body["url"])
        return _ok({"is_active": not errors, "errors": errors})

    async def _ping(self, url: str) -> list[Json]:
        """Send TYPE_PING to `url` as Ozon does; returns the problems found (empty: all good)."""
        ping = {"message_type": "TYPE_PING", "time": _iso(datetime.now(UTC))}
        timeout = aiohttp.ClientTimeout(total=self.ping_timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, json=ping) as resp,
            ):
                status, raw = resp.status, await resp.read()
        except TimeoutError:
            return _ping_error("REQUEST_TIMEOUT", f"no answer within {self.ping_timeout} s")
        except (aiohttp.ClientError, ValueError) as exc:
            return _ping_error("REQUEST_ERROR", str(exc) or type(exc).__name__)
        return _judge_ping(status, raw)


def _ping_error(kind: str, text: str) -> list[Json]:
    return [{"type": kind, "description": text}]


def _judge_ping(status: int, raw: bytes) -> list[Json]:
    """Ozon's checks of a TYPE_PING answer."""
    if status != 200:
        return _ping_error("STATUS_CODE_NOT_OK", f"HTTP {status}")
    if not raw.strip():
        return _ping_error("EMPTY_BODY", "empty body")
    parsed, answer = FakeOzon._parse(raw)
    if not parsed:
        return _ping_error("INVALID_JSON", "body is not JSON")
    if not isinstance(answer, dict) or not {"version", "name", "time"} <= answer.keys():
        return _ping_error("INVALID_BODY", "expected version, name and time")
    try:
        datetime.fromisoformat(str(answer["time"]).replace("Z", "+00:00"))
    except ValueError:
        return _ping_error("WRONG_RESULT_TIME_FIELD", f"bad time {answer['time']!r}")
    return []
