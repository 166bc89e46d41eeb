"""The bridge's records as plain values: what the rooms read and write, and what storage keeps
(the rows its repositories return and the values they take). No I/O library here: storage
imports this, the rooms import this, and neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.states import (
    BroadcastState,
    CardState,
    ChatStatus,
    DeskState,
    Direction,
    DraftState,
    DraftTrigger,
    EndedBy,
    FailureReason,
    FeedbackKind,
    FeedbackOutcome,
    FeedbackPost,
    MessageState,
    OutboxKind,
    OutboxState,
    OutboxTarget,
)


def ozon_id(value: str | None) -> str | None:
    """An order number or SKU as Ozon gives it, or None when it names none: Ozon writes "0"
    (or "", or zeros and spaces) in a chat's context that is about no order or product. The one
    place that decides it: where Ozon's values enter, where storage reads and writes them."""
    return value if value and value.strip("0 ") else None


@dataclass(frozen=True, slots=True)
class ChatSeen:
    """What Ozon's chat list says of a chat."""

    chat_id: str
    chat_type: str
    status: ChatStatus
    created_at: datetime | None
    unread_count: int


@dataclass(slots=True)
class Observed:
    """What a pass over Ozon's chat list changed."""

    rows: dict[str, ChatRow] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    """Chats the list shows closed that were not (or were never seen before)."""
    opened: list[str] = field(default_factory=list)
    """Chats the list shows open again after it showed them closed."""


@dataclass(frozen=True, slots=True)
class ChatRow:
    chat_id: str
    chat_type: str
    status: ChatStatus
    created_at: datetime | None
    order_number: str | None
    sku: str | None
    topic_id: int | None
    """The chat's topic in the forum group the database is bound to (None: none there yet)."""
    topic_fresh: bool
    """The topic was just created and its opening message (the chat's facts) is not posted yet."""
    sync_cursor: str | None
    """Newest Ozon message id recorded (or passed over on first sight); None before first sync."""
    last_message_id: str | None
    """The chat list's `last_message_id` as of the last completed sync."""
    unread_count: int
    last_buyer_at: datetime | None
    sync_error: str | None
    first_seen_at: datetime
    buyer_id: str | None = None
    topic_closed: bool = False
    """The bridge closed the topic because Ozon closed the chat."""
    desk: DeskState = DeskState.ANSWERED
    answered_at: datetime | None = None
    """When the seller last answered (or staff marked the chat as needing no reply)."""
    icon_shown: DeskState | None = None
    """The state the topic's icon shows (None: the bridge has set no icon on it)."""
    topic_name: str | None = None
    """The name the topic was created with (None: created before names were kept)."""


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message read from Ozon, about to be recorded."""

    message_id: str
    author: str
    created_at: datetime
    body: str
    is_image: bool
    order_number: str | None = None
    sku: str | None = None
    outbound: bool = False
    """The bridge itself sent it: record it as an echo, never post it."""
    user_id: str | None = None
    moderation: str | None = None
    """Ozon's `moderate_image_status` of a picture (SUCCESS, MODERATION, FAILED)."""
    unreadable: bool = False
    """Ozon sent it in a shape the bridge cannot read: shown as a notice to look in Ozon."""


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    chat_id: str
    message_id: str
    direction: Direction
    author: str
    created_at: datetime
    body: str
    is_image: bool
    state: MessageState
    tg_message_id: int | None
    attempts: int
    last_error: str | None
    post_started_at: datetime | None = None
    """Set while pending: a post of it went to Telegram unsettled, so it may already be shown."""
    moderation: str | None = None
    edited_at: datetime | None = None
    """The buyer changed it after it was shown: it is shown again, marked as an edit."""
    edit_of: int | None = None
    """The Telegram post that showed it before the edit (in this forum group), if known."""
    unreadable: bool = False

    @property
    def maybe_shown(self) -> bool:
        return self.state == MessageState.PENDING and self.post_started_at is not None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One thing to send: a text part or a file (by its Telegram file id)."""

    kind: OutboxKind
    body: str | None = None
    file_id: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: str | None
    """The buyer chat it goes to (None: a review's or question's answer, `target`)."""
    kind: OutboxKind
    body: str | None
    file_id: str | None
    file_name: str | None
    tg_message_id: int | None
    """The staff message this row carries (None for a broadcast's rows), in `forum_chat_id`."""
    topic_id: int | None
    part: int
    parts: int
    state: OutboxState
    attempts: int
    """Sends begun, and failures before a send (a file that could not be downloaded)."""
    not_before: datetime | None
    reason: FailureReason | None
    detail: str | None
    retriable: bool
    ozon_message_id: str | None
    """The bridge's own message in Ozon's history that proves this row arrived."""
    created_at: datetime
    sending_at: datetime | None
    forum_chat_id: int | None = None
    broadcast_id: int | None = None
    staff: Staff | None = None
    """Who wrote the staff message this row carries (None for a broadcast's rows)."""
    target: OutboxTarget = OutboxTarget.CHAT
    """Where it goes: a buyer chat (`chat_id`), or a review's or question's answer."""
    target_id: str | None = None
    """The review's or question's Ozon id (None for a chat's rows)."""
    target_sku: str | None = None
    """The product a question is about (Ozon wants it with the answer)."""

    @property
    def lane(self) -> str:
        """What its rows go in order within: its chat, or its review or question."""
        return self.chat_id if self.chat_id is not None else f"{self.target}:{self.target_id}"


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    admin_id: int
    reply_chat_id: int
    template: str
    filters: dict[str, Any]
    state: BroadcastState
    total: int
    left_out: dict[str, int]
    preview_message_id: int | None
    progress_message_id: int | None
    created_at: datetime
    reported: bool


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    delivered: int
    failed: dict[str, int]
    in_flight: int
    pending: int
    skipped: int

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.in_flight == 0


@dataclass(frozen=True, slots=True)
class Staff:
    """A member of the forum group who acted: their Telegram user id (None for an anonymous
    admin, who writes as the group) and the name Telegram shows."""

    id: int | None
    name: str


@dataclass(frozen=True, slots=True)
class WaitingPeriod:
    """A stretch of time in which a buyer waited for the seller."""

    id: int
    chat_id: str
    began_at: datetime
    """When the buyer's first unanswered message was written (Ozon's clock)."""
    last_buyer_at: datetime
    """The buyer's latest message in the period: the reply window runs from it."""
    ended_at: datetime | None
    ended_by: EndedBy | None
    staff: Staff | None
    reply_until: datetime | None = None
    """A known delivery date's extension of the reply window (from the order card): as the card
    says now while the period is open, as it said when the period ended once it has."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open waiting period with the chat it belongs to (for the queue and reminders)."""

    period: WaitingPeriod
    chat: ChatRow
    reminded: frozenset[int]
    """The reminder thresholds (seconds) already posted for this period."""


@dataclass(frozen=True, slots=True)
class Said:
    """A buyer's message as the help desk places it: when Ozon says it was written, and its Ozon
    id (None where only the time is known)."""

    at: datetime
    message_id: str | None


@dataclass(frozen=True, slots=True)
class Sight:
    """What staff could see when they acted: the posts of the forum group `forum_chat_id` made
    before their message `message_id` (Telegram numbers a group's messages in order)."""

    forum_chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class StaffReplies:
    """Staff messages delivered to buyers by one person (None: sent before who wrote was kept)."""

    staff: Staff | None
    replies: int


@dataclass(frozen=True, slots=True)
class TemplateRow:
    name: str
    """Case-folded, one word."""
    body: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CardRow:
    chat_id: str
    order_number: str | None
    sku: str | None
    facts: str | None
    """What Ozon said, as JSON (None: not read yet)."""
    state: CardState
    attempts: int
    reply_until: datetime | None
    """A known delivery date's extension of the reply window (FBS, rFBS)."""
    message_id: int | None
    """The topic post showing the card (in the bound forum group)."""
    tail: str | None
    tail_is_caption: bool
    shown: str | None
    """The facts the post was last rendered from."""
    pinned: bool
    recreated: bool = False
    """The post opens a recreated topic (its opening says that the earlier one was deleted)."""


@dataclass(frozen=True, slots=True)
class DraftRow:
    """A reply draft: what asked for it, what it answers, and what became of it."""

    id: int
    source: str
    """The kind of conversation it answers (`chat`; reviews and questions later)."""
    key: str
    """That conversation's id within its source (a buyer chat's id)."""
    topic_id: int
    trigger: DraftTrigger
    request_message_id: int | None
    """The `/draft` command (None for an automatic draft), in the bound forum group."""
    state: DraftState
    asked_at: datetime
    answers_id: str | None = None
    """The buyer's message it answers (Ozon's id; None: not known when asked)."""
    answers_at: datetime | None = None
    """When that message was written."""
    body: str | None = None
    """The draft's text, exactly as shown and as «Отправить» sends it."""
    flags: tuple[str, ...] = ()
    """What its checks found (`bot.core.drafts.checks.Flag` values)."""
    message_id: int | None = None
    """The draft's post in the topic, in the bound forum group (None: not shown)."""
    staff: Staff | None = None
    """Who sent or cancelled it."""
    detail: str | None = None
    """Why it failed or was dropped."""


@dataclass(frozen=True, slots=True)
class DraftReply:
    """A staff reply sent from a draft and delivered: when the buyer's message it answers was
    written (None: it answered none), and when Ozon took the reply."""

    answers_at: datetime | None
    delivered_at: datetime


@dataclass(frozen=True, slots=True)
class NewFeedback:
    """A review or a question read from Ozon, about to be recorded."""

    kind: FeedbackKind
    ozon_id: str
    published_at: datetime
    text: str
    sku: str | None = None
    product: str | None = None
    """The product's name (`/v3/product/info/list`), when Ozon gave it."""
    rating: int | None = None
    """A review's stars, 1..5."""
    order_status: str | None = None
    """A review's order: `DELIVERED` or `CANCELLED`."""
    author: str | None = None
    """A question's author, as Ozon names them."""
    link: str | None = None
    """A question's public link."""
    photos: tuple[str, ...] = ()
    """A review's pictures (public links)."""
    photos_amount: int = 0
    """How many pictures Ozon says the review has (the links may not have been read)."""


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """A review or a question as the bridge keeps it: what it says, its post in the forum, and
    what became of it."""

    id: int
    kind: FeedbackKind
    ozon_id: str
    published_at: datetime
    text: str
    sku: str | None
    product: str | None
    rating: int | None
    order_status: str | None
    author: str | None
    link: str | None
    photos: tuple[str, ...]
    photos_amount: int
    post: FeedbackPost
    message_id: int | None
    """The post showing it (its text or caption), in the bound forum group."""
    caption: bool
    """The post's text is a caption (an album's), not a message's text."""
    post_started_at: datetime | None
    """A post of it went to Telegram and was not settled: it may be shown already."""
    outcome: FeedbackOutcome
    answered_at: datetime | None
    staff: Staff | None
    """Who answered it from Telegram or marked it done."""
    shown: FeedbackOutcome
    """The outcome its post shows."""
    status_wanted: str | None
    """A status to set in Ozon (`PROCESSED`) that is not set yet."""


@dataclass(frozen=True, slots=True)
class FeedbackSource:
    """What the bridge knows of one kind's list in Ozon."""

    kind: FeedbackKind
    since: datetime
    """Nothing published before this is recorded (the first poll's first-sight line)."""
    counts: tuple[int, ...] | None
    """Ozon's counts when the list was last read through (None: never)."""


@dataclass(frozen=True, slots=True)
class FeedbackFate:
    """What became of a review or question, for the statistics."""

    published_at: datetime
    outcome: FeedbackOutcome
    answered_at: datetime | None
