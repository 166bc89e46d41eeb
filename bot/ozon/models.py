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
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
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

# Cyrillic letters that look Latin, mapped to the Latin letter they imitate.
_HOMOGLYPHS = str.maketrans("СсОоЕеАаРрХхКМТНВ", "CcOoEeAaPpXxKMTHB")


def fold_enum(value: str) -> str:
    """Fold an Ozon enum spelling to one form: Latin letters, upper case, no outer blanks."""
    return value.translate(_HOMOGLYPHS).strip().upper()


def canonical_id(value: object) -> str:
    """Return an Ozon numeric id (JSON number or string) as a canonical decimal string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an integer id, got {type(value).__name__}")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"expected a non-negative integer id, got {text[:40]!r}")
    return str(int(text))


def message_id_key(mid: str) -> int:
    """Sort/compare key of a message id: ids are ordered as integers, never as text."""
    return int(mid)


class Author(StrEnum):
    """Who wrote a message (Ozon's `user.type`)."""

    CUSTOMER = "CUSTOMER"
    SELLER = "SELLER"
    CRM = "CRM"
    COURIER = "COURIER"
    SUPPORT = "SUPPORT"
    NOTIFICATION_USER = "NOTIFICATION_USER"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> Author:
        """Map any spelling (`Сustomer`, `NotificationUser`, `notification_user`); else UNKNOWN."""
        if isinstance(value, Author):
            return value
        if not isinstance(value, str):
            return cls.UNKNOWN
        key = fold_enum(value).replace("_", "").replace("-", "").replace(" ", "")
        return _AUTHOR_KEYS.get(key, cls.UNKNOWN)


_AUTHOR_KEYS = {member.value.replace("_", ""): member for member in Author}


class ChatStatus(StrEnum):
    """State of a chat; anything unrecognised is UNSPECIFIED."""

    OPENED = "OPENED"
    CLOSED = "CLOSED"
    UNSPECIFIED = "UNSPECIFIED"

    @classmethod
    def parse(cls, value: object) -> ChatStatus:
        """Map `OPENED`/`Opened`/`opened` (and the like); else UNSPECIFIED."""
        if isinstance(value, ChatStatus):
            return value
        if isinstance(value, str):
            try:
                return cls(fold_enum(value))
            except ValueError:
                return cls.UNSPECIFIED
        return cls.UNSPECIFIED


def _optional_id(value: object) -> str | None:
    """Canonical id, with absent, empty and zero ids read as None."""
    if value is None or value == "":
        return None
    text = canonical_id(value)
    return None if text == "0" else text


def _optional_text(value: object) -> object:
    """Empty strings are None; numbers become strings."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _optional_datetime(value: object) -> object:
    return None if value == "" else value


def _to_utc(value: datetime) -> datetime:
    """Naive timestamps are UTC (Ozon works in UTC); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _loose_bool(value: object) -> object:
    """Accept `true`/`"true"`/`"True"`/`1`; anything else is left to pydantic's strict check."""
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in ("true", "1"):
            return True
        if folded in ("false", "0", ""):
            return False
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if value is None:
        return False
    return value


def _none_as_empty_list(value: object) -> object:
    return [] if value is None else value


def _chat_type(value: object) -> object:
    if value is None or value == "":
        return "UNSPECIFIED"
    return fold_enum(value) if isinstance(value, str) else value


def _required_text(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _to_utc(value)


def _folded_or_none(value: object) -> object:
    if value is None or value == "":
        return None
    return fold_enum(value) if isinstance(value, str) else value


MessageId = Annotated[str, BeforeValidator(canonical_id)]
OptionalId = Annotated[str | None, BeforeValidator(_optional_id)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
OptionalUtcDatetime = Annotated[
    datetime | None,
    BeforeValidator(_optional_datetime),
    AfterValidator(_optional_utc),
]
LooseBool = Annotated[bool, BeforeValidator(_loose_bool)]
TextList = Annotated[list[str], BeforeValidator(_none_as_empty_list)]
_UTC_DATETIME: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ChatSummary(_Model):
    """One entry of `/v3/chat/list` (the nested `chat` object is flattened)."""

    chat_id: Annotated[str, BeforeValidator(_required_text), Field(min_length=1)]
    status: Annotated[ChatStatus, BeforeValidator(ChatStatus.parse)] = Field(
        default=ChatStatus.UNSPECIFIED, validation_alias=AliasChoices("status", "chat_status")
    )
    chat_type: Annotated[str, BeforeValidator(_chat_type)] = "UNSPECIFIED"
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


def _problem(exc: ValidationError) -> str:
    """The first thing wrong with an entry, in one line (no values: they may be buyer text)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "entry"
    return f"{where}: {first['msg']}"


def _dig(raw: object, *path: str) -> object:
    """A value inside an entry that failed to validate; None where the path breaks off."""
    for key in path:
        if not isinstance(raw, dict):
            return None
        raw = raw.get(key)
    return raw


def _raw_message_id(raw: object) -> str | None:
    try:
        return _optional_id(_dig(raw, "message_id"))
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
        return None, f"chat {_raw_chat_id(raw)}: {_problem(exc)}"


def _read_message(raw: object) -> tuple[ChatMessage | None, str | None]:
    try:
        return ChatMessage.model_validate(raw), None
    except ValidationError as exc:
        problem = _problem(exc)
    stand_in = ChatMessage.stand_in(raw, problem)
    if stand_in is None:
        return None, f"message without a readable id: {problem}; left out"
    return stand_in, f"message {stand_in.message_id}: {problem}; shown as such"


class ChatPage(_Model):
    """One page of `/v3/chat/list`."""

    chats: Annotated[list[ChatSummary], BeforeValidator(_none_as_empty_list)] = []
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
    moderate_image_status: Annotated[str | None, BeforeValidator(_folded_or_none)] = None
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

    messages: Annotated[list[ChatMessage], BeforeValidator(_none_as_empty_list)] = []
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

    roles: Annotated[list[Role], BeforeValidator(_none_as_empty_list)] = []
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
