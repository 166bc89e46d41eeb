"""The Bot API double's data model: the calls it records, the topics, messages, edits and files it
keeps, its error answer, its limits and the JSON shapes the method handlers share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

MessageKind = Literal["text", "photo", "document", "sticker", "service"]
Handler = Callable[[dict[str, Any]], Awaitable[Any]]

DEFAULT_ICON_COLOR = 7322096
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
# Sends to the group that count against the per-minute budget.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "editMessageText",
        "editMessageCaption",
        "pinChatMessage",
    }
)
UPLOADS = "\0uploads"  # key under which handlers find the request's attach:// file parts
THREAD_NOT_FOUND = "Bad Request: message thread not found"
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
"""The fake sender Telegram shows for an administrator who remains anonymous."""


class ApiError(Exception):
    """An error answer: HTTP status, description and optional `parameters`."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class RecordedCall:
    """One API request. `params` are typed once the request passed validation (files as bytes)."""

    method: str
    params: dict[str, Any]
    status: int = 0
    at: float = 0.0
    response: dict[str, Any] | None = None


@dataclass(slots=True)
class FakeTopic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by_bot: bool = True


@dataclass(slots=True)
class FakeEdit:
    method: str
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    at: float


@dataclass(slots=True)
class FakeMessage:
    """A message in the forum. `text`/`caption` are as shown (after HTML parsing)."""

    message_id: int
    chat_id: int
    thread_id: int | None
    kind: MessageKind
    from_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    source_text: str | None = None
    """The text or caption exactly as the client sent it (HTML included)."""
    file: bytes | None = None
    file_name: str | None = None
    file_id: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    deleted: bool = False
    edits: list[FakeEdit] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    """The Message object as Telegram returns it."""


@dataclass(slots=True)
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass(slots=True)
class Fault:
    method: str | None
    status: int
    count: int
    description: str | None
    retry_after: int | None


def file_ids(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
    }


def topic_json(topic: FakeTopic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message_thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
    }
    if topic.icon_custom_emoji_id:
        out["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
    return out


def file_suffix(file_name: str) -> str:
    dot = file_name.rfind(".")
    return file_name[dot:] if 0 <= dot < len(file_name) - 1 else ""


# A part of the set Telegram offers bots as topic icons (custom emoji id, emoji), as published.
ICON_STICKERS = (
    ("5434144690511290129", "📰"),
    ("5312536423851630001", "💡"),
    ("5312016608254762256", "⚡️"),
    ("5379748062124056162", "❗️"),
    ("5373251851074415873", "📝"),
    ("5357315181649076022", "📁"),
    ("5312241539987020022", "🔥"),
    ("5377316857231450742", "❓"),
    ("5309958691854754293", "💎"),
    ("5377498341074542641", "‼️"),
    ("5408906741125490282", "🏁"),
    ("5237699328843200968", "✅"),
    ("5417915203100613993", "💬"),
)
