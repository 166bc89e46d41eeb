"""Typed views of Ozon chat payloads, tolerant of every quirk Ozon's own examples show.

Ids arrive as JSON numbers or strings (uint64, above 2**53 and sometimes above int64); they are
kept as canonical decimal strings and compared as integers through `message_id_key`. Enum values
vary in case and may hide Cyrillic homoglyphs (`Сustomer` with U+0421); `fold_enum` evens them out.
Timestamps become aware UTC datetimes. Unknown extra fields are ignored.

A page is read item by item: an entry Ozon sends in a shape nobody documented costs only itself,
never the page (which would stall every chat on it, poll after poll). The page keeps a line about
each such entry in `unreadable`; a history entry whose id can still be read stays in the page as
a stand-in (`ChatMessage.unreadable`) so that it is shown, in its place, as something to look up
in Ozon, and the sync moves past it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from bot.ozon.fields import (
    Author,
    ChatStatus,
    LooseBool,
    MessageId,
    OptionalId,
    OptionalText,
    OptionalUtcDatetime,
    TextList,
    UtcDatetime,
    canonical_id,
    chat_type_value,
    first_problem,
    fold_enum,
    folded_or_none,
    message_id_key,
    none_as_empty_list,
    optional_id,
    required_text,
)

__all__ = [
    "BUYER_CHAT_TYPES",
    "Author",
    "ChatMessage",
    "ChatPage",
    "ChatStatus",
    "ChatSummary",
    "HistoryPage",
    "Role",
    "RolesInfo",
    "canonical_id",
    "fold_enum",
    "message_id_key",
]

BUYER_CHAT_TYPES = frozenset({"BUYER_SELLER", "BUYER_SELLER_SELECT"})
"""`chat_type` values (folded) of conversations with buyers."""

CHAT_READ_METHODS = frozenset({"/v3/chat/list", "/v3/chat/history"})
CHAT_SEND_METHOD = "/v1/chat/send/message"

_UTC_DATETIME: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ChatSummary(_Model):
    """One entry of `/v3/chat/list` (the nested `chat` object is flattened)."""

    chat_id: Annotated[str, BeforeValidator(required_text), Field(min_length=1)]
    status: Annotated[ChatStatus, BeforeValidator(ChatStatus.parse)] = Field(
        default=ChatStatus.UNSPECIFIED, validation_alias=AliasChoices("status", "chat_status")
    )
    chat_type: Annotated[str, BeforeValidator(chat_type_value)] = "UNSPECIFIED"
    created_at: OptionalUtcDatetime = None
    first_unread_message_id: OptionalId = None
    last_message_id: OptionalId = None
    unread_count: int = 0

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("chat"), dict):
            flat = {key: value for key, value in data.items() if key != "chat"}
            flat.update(data["chat"])
            data = flat
        return data

    @property
    def is_buyer_chat(self) -> bool:
        """True for conversations with a buyer (not support, notification or system chats)."""
        return self.chat_type in BUYER_CHAT_TYPES


def _dig(raw: object, *path: str) -> object:
    """A value inside an entry that failed to validate; None where the path breaks off."""
    for key in path:
        if not isinstance(raw, dict):
            return None
        raw = raw.get(key)
    return raw


def _raw_message_id(raw: object) -> str | None:
    try:
        return optional_id(_dig(raw, "message_id"))
    except ValueError:
        return None


def _raw_chat_id(raw: object) -> str:
    for value in (_dig(raw, "chat", "chat_id"), _dig(raw, "chat_id")):
        if isinstance(value, str) and value:
            return value[:64]
    return "?"


def _entry_by_entry(
    data: Any, key: str, read: Callable[[object], tuple[BaseModel | None, str | None]]
) -> Any:
    """A page with `data[key]` read one entry at a time: `read` gives the entry to keep (None:
    left out) and a line on what was wrong with it (None: nothing), gathered in `unreadable`."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        return data
    items: list[BaseModel] = []
    unreadable: list[str] = []
    for raw in data[key]:
        item, problem = read(raw)
        if item is not None:
            items.append(item)
        if problem is not None:
            unreadable.append(problem)
    return {**data, key: items, "unreadable": unreadable}


def _read_chat(raw: object) -> tuple[ChatSummary | None, str | None]:
    try:
        return ChatSummary.model_validate(raw), None
    except ValidationError as exc:
        return None, f"chat {_raw_chat_id(raw)}: {first_problem(exc)}"


def _read_message(raw: object) -> tuple[ChatMessage | None, str | None]:
    try:
        return ChatMessage.model_validate(raw), None
    except ValidationError as exc:
        problem = first_problem(exc)
    stand_in = ChatMessage.stand_in(raw, problem)
    if stand_in is None:
        return None, f"message without a readable id: {problem}; left out"
    return stand_in, f"message {stand_in.message_id}: {problem}; shown as such"


class ChatPage(_Model):
    """One page of `/v3/chat/list`."""

    chats: Annotated[list[ChatSummary], BeforeValidator(none_as_empty_list)] = []
    cursor: OptionalText = None
    has_next: LooseBool = False
    total_unread_count: int = 0
    unreadable: list[str] = []
    """One line per entry that could not be read and was left out."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return _entry_by_entry(data, "chats", _read_chat)


class ChatMessage(_Model):
    """One message of `/v3/chat/history`; `context` and `user` are flattened."""

    message_id: MessageId
    created_at: UtcDatetime
    data: TextList = []
    is_image: LooseBool = False
    is_read: LooseBool = False
    moderate_image_status: Annotated[str | None, BeforeValidator(folded_or_none)] = None
    order_number: OptionalText = None
    sku: OptionalText = None
    user_id: OptionalText = None
    author: Annotated[Author, BeforeValidator(Author.parse)] = Author.UNKNOWN
    unreadable: str | None = None
    """Set on a stand-in for an entry the bridge could not read: what was wrong with it."""

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        flat = {key: value for key, value in data.items() if key not in ("context", "user")}
        context = data.get("context")
        if isinstance(context, dict):
            flat.setdefault("order_number", context.get("order_number"))
            flat.setdefault("sku", context.get("sku"))
        user = data.get("user")
        if isinstance(user, dict):
            flat.setdefault("user_id", user.get("id"))
            flat.setdefault("author", user.get("type"))
        return flat

    @classmethod
    def stand_in(cls, raw: object, problem: str) -> ChatMessage | None:
        """A stand-in for an entry that failed to validate, keeping what can be read of it;
        None when even its id cannot be (nothing then places it in the chat)."""
        message_id = _raw_message_id(raw)
        if message_id is None:
            return None
        fields = raw if isinstance(raw, dict) else {}
        try:
            created_at = _UTC_DATETIME.validate_python(fields.get("created_at"))
        except ValidationError:
            created_at = datetime.now(UTC)  # about when it was read: the order comes from ids
        user = fields.get("user")
        author = Author.parse(user.get("type")) if isinstance(user, dict) else Author.UNKNOWN
        return cls(message_id=message_id, created_at=created_at, author=author, unreadable=problem)

    @property
    def text(self) -> str:
        """The message content as Ozon's Markdown (`data` joined by newlines)."""
        return "\n".join(self.data)

    @property
    def key(self) -> int:
        """Integer ordering key of `message_id`."""
        return message_id_key(self.message_id)


class HistoryPage(_Model):
    """One page of `/v3/chat/history`, in the order Ozon returned it."""

    messages: Annotated[list[ChatMessage], BeforeValidator(none_as_empty_list)] = []
    has_next: LooseBool = False
    unreadable: list[str] = []
    """One line per entry that could not be read (kept as a stand-in when its id could be)."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return _entry_by_entry(data, "messages", _read_message)


class Role(_Model):
    """A role of the API key with the methods it opens."""

    name: str = ""
    methods: TextList = []


class RolesInfo(_Model):
    """Answer of `/v1/roles`: the key's roles and its expiry."""

    roles: Annotated[list[Role], BeforeValidator(none_as_empty_list)] = []
    expires_at: OptionalUtcDatetime = None

    @property
    def methods(self) -> frozenset[str]:
        """Every method path any role of the key opens."""
        return frozenset(method for role in self.roles for method in role.methods)

    @property
    def has_chat_access(self) -> bool:
        """True when the key may read chats (`/v3/chat/list` and `/v3/chat/history`)."""
        return self.methods >= CHAT_READ_METHODS

    @property
    def can_send(self) -> bool:
        """True when the key may send messages (`/v1/chat/send/message`)."""
        return CHAT_SEND_METHOD in self.methods
