"""What the Ozon stand-in keeps and answers with: constants, records and Ozon's JSON shapes."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web

FIRST_MESSAGE_ID = 3000000000817031942
"""The id of the first message: Ozon's own example, above 2^53 like real ids."""
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
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".heic")
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
Validator = Callable[[str, Json], list[str]]
"""Checks a request body against a specification: the problems found, empty when it conforms."""


@dataclass
class RecordedRequest:
    """One request as the stand-in saw it; `status` 0 means no answer (yet, or dropped)."""

    path: str
    body: Any
    headers: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    method: str = "POST"


@dataclass
class StandInMessage:
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
    pictures: list[tuple[str, str]] = field(default_factory=list)
    """(token, name) of pictures shown after the text lines, one `![](url)` line each."""
    updated_at: datetime | None = None
    """When the buyer last edited the message (None: never)."""

    @property
    def is_customer(self) -> bool:
        return self.user_type.lower() == "customer"


@dataclass
class StandInChat:
    chat_id: str
    chat_type: str
    status: str
    created_at: datetime
    variant: int
    messages: list[StandInMessage] = field(default_factory=list)
    reply_open: bool = True
    posting_number: str | None = None
    garbled: Json | None = None
    """Fields laid over the rendered list entry: a shape Ozon does not document."""

    @property
    def last_message_id(self) -> int:
        return self.messages[-1].message_id if self.messages else 0

    @property
    def unread(self) -> list[StandInMessage]:
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


SellerListener = Callable[[str, StandInMessage], None]
"""Told of each message the seller sends through the API (chat id, the message). It runs inside
the request: it must return at once, so anything slow belongs in a task it starts."""


def rpc_error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    """An Ozon error answer: `{"code", "message", "details"}` with the gRPC code for `status`."""
    code = 13 if status >= 500 else _GRPC_CODES.get(status, 2)
    text = message or _DEFAULT_MESSAGES.get(status, "internal error")
    return web.json_response(
        {"code": code, "message": text, "details": []}, status=status, headers=headers
    )


def ok(payload: Json) -> web.Response:
    """A 200 answer with Cyrillic kept readable, as Ozon sends it."""
    return web.json_response(payload, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def parse_json(raw: bytes) -> tuple[bool, Any]:
    """(True, value) for strict JSON (no NaN or Infinity), (False, None) otherwise."""
    try:
        return True, json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError:
        return False, None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_uint64(value: object) -> int:
    """A uint64 field as Ozon takes it (JSON integer or decimal string) as an int."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a uint64")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValueError(f"not a uint64: {value!r}")


def utc(moment: datetime | None) -> datetime:
    """An aware UTC datetime; now when None, naive ones taken as UTC."""
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
