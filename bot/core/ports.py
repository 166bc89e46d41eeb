"""What the core needs from the Telegram side, as small protocols and the errors they raise.

The core never imports aiogram: `bot.telegram` implements these and `bot.app` wires them in.
What is posted is rendered by the Telegram side (`PostRenderer`) and handed back to it through
the core, which only decides when, where and in what order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol

from bot.core.cards.card import Card
from bot.core.model import ChatFacts, Notice, Outcome, ShownMessage
from storage.states import DeskState


class TelegramFault(Exception):
    """Base of the faults the Telegram side reports to the core."""


class TopicGone(TelegramFault):
    """The topic was deleted (or Telegram no longer knows it): create a new one and send again."""


class TopicClosed(TelegramFault):
    """The topic is closed: reopen it and send again."""


class GroupFault(StrEnum):
    """A fault of the forum group's set-up, which only the operator can fix."""

    UNAUTHORIZED = "unauthorized"
    """Telegram no longer accepts BOT_TOKEN."""
    NO_CHAT = "no_chat"
    """Telegram does not know FORUM_CHAT_ID (a wrong id, or the bot is not a member)."""
    MIGRATED = "migrated"
    """The group moved to a new id."""
    KICKED = "kicked"
    """The bot was removed from the group or may not write there."""
    RIGHTS = "rights"
    """The bot lacks an administrator right (to manage topics)."""
    NOT_FORUM = "not_forum"
    """The group has Topics turned off."""


class TelegramUnavailable(TelegramFault):
    """Nothing can be posted right now; keep the messages queued and try again later.

    `fault` names the configuration fault and `operator_hint` says what the operator must fix
    (the bot was removed from the group, lost its rights, Topics were turned off); both are None
    for transient faults (network, 5xx).
    """

    def __init__(
        self,
        message: str,
        *,
        fault: GroupFault | None = None,
        operator_hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.fault = fault
        self.operator_hint = operator_hint


class TopicsUnavailable(TelegramUnavailable):
    """Topics cannot be created, closed or reopened (the bot may not manage topics): only what
    needs that waits; posting into existing topics goes on."""


class IconsUnavailable(TelegramFault):
    """Topic icons cannot be shown (a setting chose an icon Telegram does not offer)."""

    def __init__(self, message: str, *, operator_hint: str) -> None:
        super().__init__(message)
        self.operator_hint = operator_hint


class ShuttingDown(TelegramFault):
    """The bridge is stopping: nothing more is posted (raised instead of waiting for budget)."""


class FileUnavailable(TelegramFault):
    """A file staff sent cannot be downloaded from Telegram (too large, gone, network)."""


class PostRejected(TelegramFault):
    """Telegram refuses this particular post for good (a 400 about its content)."""


@dataclass(frozen=True, slots=True)
class Post:
    """One Telegram message carrying one or more Ozon messages of a chat, or one Ozon message
    with its pictures, as the Telegram side rendered it.

    For a text post, `text` is what is posted. For a picture post, `text` is the whole text with
    the pictures as links: it is posted when no picture can be shown, and before the pictures
    when the text does not fit in their caption. Either way every line and every picture reaches
    the topic.
    """

    kind: Literal["text", "photo"]
    text: str
    message_ids: Sequence[int] = field(default_factory=tuple)
    """Rows (`ShownMessage.id`) of the Ozon messages this post shows."""
    image_urls: Sequence[str] = field(default_factory=tuple)
    """For a picture post: where the pictures are, in order."""
    caption: str | None = None
    """For a picture post: the caption holding the whole text, or None when it does not fit."""
    short_caption: str = ""
    """For a picture post: the pictures' caption when the text went before them."""
    reply_to: int | None = None
    """The earlier post this one answers (the old text of a message the buyer edited)."""


@dataclass(frozen=True, slots=True)
class NewTopic:
    topic_id: int
    name: str
    icon: DeskState | None
    """The state its icon shows (None: it was made without one)."""


class TelegramPort(Protocol):
    async def create_topic(self, name: str, state: DeskState | None = None) -> NewTopic:
        """A topic for a buyer chat, with the icon of its state where icons are known."""
        ...

    async def show_state(
        self, topic_id: int, state: DeskState, *, moot: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Give the topic the icon of `state`, in a spare slot of the group's budget, unless
        `moot` by then. Returns whether the icon now shows it (False: moot). Raises
        `TopicsUnavailable` without the right to manage topics."""
        ...

    async def reopen_topic(self, topic_id: int) -> None: ...

    async def close_topic(self, topic_id: int) -> None: ...

    async def post_text(self, topic_id: int, text: str, *, reply_to: int | None = None) -> int: ...

    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        """Change the text (or the caption) of a post the bridge made in a topic. `spare`: in a
        spare slot of the group's budget (work that can wait)."""
        ...

    async def pin(self, message_id: int, *, spare: bool) -> None:
        """Pin a post in its topic (quietly)."""
        ...

    async def post_photo(
        self,
        topic_id: int,
        photo: bytes,
        filename: str,
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int: ...

    async def post_album(
        self,
        topic_id: int,
        photos: Sequence[tuple[bytes, str]],
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        """Two to ten pictures as one album, the caption under the first; returns its id."""
        ...

    async def tell(self, topic_id: int, staff_message: int, notice: Notice) -> None:
        """Answer a staff message in its topic: why it was not sent as it is."""
        ...

    async def show_outcome(
        self, topic_id: int | None, staff_message: int, outcome: Outcome
    ) -> None:
        """Show on a staff message whether it reached the buyer, and if not, why."""
        ...

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """A file staff sent; raises `FileUnavailable`."""
        ...


class PostRenderer(Protocol):
    """Turns a chat's waiting messages into posts (merging bursts where it can)."""

    def topic_name(self, chat: ChatFacts) -> str: ...

    def header(
        self,
        chat: ChatFacts,
        *,
        recreated: bool,
        card: Card | None = None,
        card_loading: bool = False,
    ) -> str:
        """A topic's opening: the chat's facts, and its order card (or that one is on its way)."""
        ...

    def posts(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> list[Post]: ...

    def unshowable(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> str: ...

    def merge_header(self, header: str, post: Post, *, room: int = 0) -> Post | None:
        """The post with the header in front, or None when they do not fit in one message
        (leaving `room` characters free for an order card to come)."""
        ...

    def with_header(self, header: str, tail: str) -> str:
        """A first post's text again, with a new header."""
        ...

    def fits(self, text: str, *, caption: bool) -> bool: ...


class MediaFetcher(Protocol):
    async def fetch(self, url: str) -> tuple[bytes, str]:
        """The file's bytes and a file name; raises `bot.ozon.errors.MediaUnavailable`."""
        ...
