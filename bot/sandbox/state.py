"""The stand-in's world: chats, messages, files and the seller's account, and how tests and the
simulated buyers set it up; and `Methods`, what each group of Ozon's methods built on this state
adds to the stand-in.

Every group (`ChatMethods`, `OrderMethods`, ...) is a subclass of `StandInState` with a
cooperative `__init__` that takes the stand-in's options (`StandInOptions`), so the stand-in
assembles them with one `super().__init__`."""

from __future__ import annotations

import random
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack

from aiohttp import web

from bot.sandbox.model import (
    DEFAULT_IMAGE,
    FIRST_MESSAGE_ID,
    IMAGE_EXTENSIONS,
    NOTIFICATION_TYPE_DESCRIPTIONS,
    AuthMode,
    Json,
    RecordedRequest,
    SellerListener,
    StandInChat,
    StandInMessage,
    Subscription,
    rpc_error,
    utc,
)

_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ".png",
    b"\xff\xd8\xff": ".jpg",
    b"GIF8": ".gif",
    b"RIFF": ".webp",
}


Handler = Callable[[Json], Awaitable[web.Response]]
"""Answers one method: the parsed body (checked by the pipeline) in, Ozon's answer out."""


class StandInOptions(TypedDict):
    """How the stand-in was asked to behave (see `bot.sandbox.server.OzonStandIn`)."""

    client_id: str
    api_key: str
    quirks: bool
    history_forward_inclusive: bool
    seed: int
    other_roles: Sequence[Json]
    push_types: Sequence[str] | None


@dataclass(frozen=True)
class Methods:
    """What one group of methods adds to the stand-in."""

    handlers: Mapping[str, Handler]
    roles: Callable[[], list[Json]]
    """The key's roles that open these methods now, as `/v1/roles` lists them."""
    refused: Callable[[str], bool]
    """Whether the key's roles do not open `path` now: answered 403 before the body is read."""


class StandInState:
    """Everything the stand-in knows, and the observations tests make of it."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        seed = options["seed"]
        self.client_id = options["client_id"]
        self.api_key = options["api_key"]
        self.quirks = options["quirks"]
        self.history_forward_inclusive = options["history_forward_inclusive"]
        self.other_roles = list(options["other_roles"])
        """Roles of the key besides the stand-in's own, as `/v1/roles` lists them."""
        self.push_types = list(options["push_types"] or NOTIFICATION_TYPE_DESCRIPTIONS)
        """The notification types `/v1/notification/push-type/list` offers."""
        self.auth_mode: AuthMode = "ok"
        self.premium = True
        self.key_expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=90)
        self.chats: dict[str, StandInChat] = {}
        self.subscriptions: dict[int, Subscription] = {}
        self.requests: list[RecordedRequest] = []
        self.spec_violations: list[str] = []
        self.internal_errors: list[str] = []
        self.sent_texts: list[tuple[str, str]] = []
        self.sent_files: list[tuple[str, str, bytes]] = []
        self.read_marks: list[tuple[str, str | None]] = []
        self._seller_listeners: list[SellerListener] = []
        self._rng = random.Random(seed)  # noqa: S311 - ids and quirk variants, not secrets
        self._last_id = 0
        self._message_count = 0
        self._customer_count = 0
        self._image_count = 0
        self._files: dict[str, tuple[str, bytes]] = {}
        self._port: int | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the Ozon stand-in is not started")
        return f"http://127.0.0.1:{self._port}"

    # ---- set-up ----------------------------------------------------------------------------

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
        self.chats[chat_id] = StandInChat(
            chat_id=chat_id,
            chat_type=chat_type.upper(),
            status=status.upper(),
            created_at=utc(created_at),
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
        images: Sequence[bytes] = (),
        moderation: str | None = None,
        created_at: datetime | None = None,
        order_number: str | None = None,
        sku: str | None = None,
        is_read: bool = False,
    ) -> str:
        """Append a message to a chat; returns its id as a decimal string.

        `is_image` or `image`: the text is replaced by one link to the picture (a file that is not
        a picture is linked by name). `images`: the text lines stay, followed by one `![](url)`
        line per picture, as in Ozon's documented history example. `moderation` sets
        `moderate_image_status` (SUCCESS, MODERATION, FAILED)."""
        if images and (is_image or image is not None):
            raise ValueError("a message has either one linked file (is_image, image) or images")
        chat = self.chats[chat_id]
        data = [text] if isinstance(text, str) else list(text)
        message = self._append(
            chat, data, user_type, user_id, created_at=created_at, is_read=is_read
        )
        message.order_number, message.sku = order_number, sku
        if is_image or image is not None:
            self._attach_file(message, image if image is not None else DEFAULT_IMAGE, image_name)
        elif images:
            message.pictures = [self._store(p, _picture_name(p, n)) for n, p in enumerate(images)]
            message.is_image = True
        if moderation is not None:
            message.moderate_image_status = moderation.upper()
        return str(message.message_id)

    def edit_message(
        self,
        chat_id: str,
        message_id: str,
        *,
        text: str | list[str] | None = None,
        moderation: str | None = None,
    ) -> None:
        """Change a message as a buyer's edit (or Ozon's moderation) does; pictures stay."""
        message = self.message(chat_id, message_id)
        if text is not None:
            message.data = [text] if isinstance(text, str) else list(text)
        if moderation is not None:
            message.moderate_image_status = moderation.upper()
        message.updated_at = datetime.now(UTC)

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

    def add_seller_listener(self, listener: SellerListener) -> None:
        """Call `listener` for every message the seller sends through the API from now on."""
        self._seller_listeners.append(listener)

    # ---- observations ----------------------------------------------------------------------

    def messages(self, chat_id: str) -> list[StandInMessage]:
        """The chat's messages, oldest first."""
        return self.chats[chat_id].messages

    def message(self, chat_id: str, message_id: str) -> StandInMessage:
        for message in self.messages(chat_id):
            if str(message.message_id) == message_id:
                return message
        raise KeyError(f"no message {message_id} in chat {chat_id}")

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    # ---- helpers shared by the methods -----------------------------------------------------

    def _append(
        self,
        chat: StandInChat,
        data: list[str],
        user_type: str,
        user_id: str,
        *,
        created_at: datetime | None = None,
        is_read: bool = False,
    ) -> StandInMessage:
        self._last_id = (
            FIRST_MESSAGE_ID if self._last_id == 0 else self._last_id + self._rng.randint(1, 1000)
        )
        message = StandInMessage(
            message_id=self._last_id,
            created_at=utc(created_at),
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

    def _store(self, content: bytes, name: str) -> tuple[str, str]:
        """Keep a file to serve under `/files/<token>/<name>`; returns (token, name)."""
        token = uuid.UUID(int=self._rng.getrandbits(128), version=4).hex
        self._files[token] = (name, content)
        return token, name

    def _attach_file(self, message: StandInMessage, content: bytes, name: str) -> None:
        message.file_token, message.file_name = self._store(content, name)
        message.is_image = name.lower().endswith(IMAGE_EXTENSIONS)
        if message.is_image:
            message.link_as_image = self._image_count % 2 == 0
            self._image_count += 1
        else:
            message.link_as_image = False

    def _seller_sent(self, chat_id: str, message: StandInMessage) -> None:
        for listener in self._seller_listeners:
            try:
                listener(chat_id, message)
            except Exception:  # noqa: BLE001 - a listener's bug must not fail a send already applied
                self.internal_errors.append(traceback.format_exc())

    def _violation(
        self, path: str, problem: str, status: int = 400, message: str | None = None
    ) -> web.Response:
        """Answer a request the specification does not allow, and note it for the tests."""
        self.spec_violations.append(f"{path}: {problem}")
        return rpc_error(status, message or problem)


def _picture_name(content: bytes, index: int) -> str:
    extension = next((ext for sig, ext in _SIGNATURES.items() if content.startswith(sig)), ".jpg")
    return f"photo{index + 1}{extension}"
