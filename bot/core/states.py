"""The bridge's states and reasons, as enums: every room and storage speak of them by these names,
so a typo is a type error, not a row nobody ever finds.

Values are what the database stores (never change one that has shipped: rows hold it). Storage's
queries whose partial indexes name a state write it into the SQL text from these enums
(`storage.db.state_in`); everywhere else the values go as parameters.
"""

from __future__ import annotations

from enum import StrEnum


class ChatStatus(StrEnum):
    """A chat as Ozon's list last showed it (Ozon's own `chat_status`, folded)."""

    OPENED = "OPENED"
    CLOSED = "CLOSED"
    UNSPECIFIED = "UNSPECIFIED"


class MessageState(StrEnum):
    """An Ozon message on its way into a topic."""

    PENDING = "pending"
    """Recorded, not shown yet (or shown, then edited by the buyer: shown again)."""
    POSTED = "posted"
    ECHO = "echo"
    """The bridge's own message come back in Ozon's history: never shown."""
    FAILED = "failed"
    """Given up after repeated failures; the topic says to look in Ozon's cabinet."""


class Direction(StrEnum):
    INBOUND = "inbound"
    """Written in Ozon (buyer, Ozon, or the seller in the cabinet)."""
    OUTBOUND = "outbound"
    """Sent by the bridge."""


class OutboxKind(StrEnum):
    TEXT = "text"
    FILE = "file"


class OutboxState(StrEnum):
    """A staff reply's part (or a broadcast's message) on its way to Ozon."""

    QUEUED = "queued"
    """Not sent; safe to send."""
    SENDING = "sending"
    """A send began and may have reached Ozon: Ozon's history decides before any new send."""
    DELIVERED = "delivered"
    FAILED = "failed"


OUTBOX_OPEN = (OutboxState.QUEUED, OutboxState.SENDING)
OUTBOX_FINAL = (OutboxState.DELIVERED, OutboxState.FAILED)


class FailureReason(StrEnum):
    """Why a row of the outbox was not delivered, in terms staff can act on."""

    WINDOW_CLOSED = "window_closed"
    NO_PREMIUM = "no_premium"
    KEY_EXPIRED = "key_expired"
    NO_ROLE = "no_role"
    AUTH = "auth"
    REJECTED = "rejected"
    CHAT_NOT_FOUND = "chat_not_found"
    FILE_TOO_LARGE = "file_too_large"
    FILE_WRONG_TYPE = "file_wrong_type"
    FILE_UNAVAILABLE = "file_unavailable"
    UNAVAILABLE = "unavailable"
    """Ozon did not answer in time, attempt after attempt."""
    PREVIOUS_PART = "previous_part"
    """An earlier part of the same staff message failed: this one was not sent."""
    CANCELLED = "cancelled"
    """A broadcast was cancelled before this message was sent."""
    NO_SUBSCRIPTION = "no_subscription"
    """The seller's subscription does not include answering reviews or questions."""
    UNCONFIRMED = "unconfirmed"
    """A send that may have arrived, which Ozon cannot show yet (held in its moderation): not
    sent again by itself; staff check in Ozon and may send it again."""


class BroadcastState(StrEnum):
    PREVIEW = "preview"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    """The preview was not confirmed in time."""


class RecipientState(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    """Handed to the outbox (exactly once)."""
    SKIPPED = "skipped"


class DeskState(StrEnum):
    """A buyer chat as the help desk sees it (what its topic's icon shows)."""

    WAITING = "waiting"
    """The buyer wrote after the seller's last message: a reply is owed."""
    ANSWERED = "answered"
    CLOSED = "closed"
    """Ozon closed the chat (until the buyer writes again)."""


class EndedBy(StrEnum):
    """How a waiting period ended."""

    TELEGRAM = "telegram"
    """A staff reply from the forum (text, file or template) was delivered to Ozon."""
    CABINET = "cabinet"
    """The seller wrote in Ozon's own cabinet."""
    DONE = "done"
    """Staff marked the chat as needing no reply (`/done`)."""
    CLOSED = "closed"
    """Ozon closed the chat before anyone replied."""


class CardState(StrEnum):
    """An order card as read from Ozon."""

    WANTED = "wanted"
    """To be read from Ozon."""
    PARTIAL = "partial"
    """An extra Ozon call failed for a reason that may pass: read again later."""
    COMPLETE = "complete"


class DraftState(StrEnum):
    """A reply draft written by the language model, from asked to its end."""

    ASKED = "asked"
    """To be written: staff typed `/draft`, or a buyer wrote with AI_DRAFTS_AUTO on."""
    SHOWN = "shown"
    """Posted in the topic with «Отправить» and «Отменить»; nothing sent."""
    SENT = "sent"
    """A person pressed «Отправить»: its text is in the outbox, keyed on the draft's post."""
    CANCELLED = "cancelled"
    """A person pressed «Отменить», or (an automatic draft) the chat was answered meanwhile."""
    FAILED = "failed"
    """The model gave no usable draft (`detail` says why)."""


class DraftTrigger(StrEnum):
    """Who asked for a draft."""

    COMMAND = "command"
    """Staff typed `/draft`: the draft answers that command."""
    AUTO = "auto"
    """A new buyer message, with AI_DRAFTS_AUTO on."""


class OutboxTarget(StrEnum):
    """Where an outbox row goes in Ozon: a buyer chat, or a product review's or question's
    public answer (`bot.core.replies.destinations`)."""

    CHAT = "chat"
    REVIEW = "review"
    """A seller's comment under a review."""
    QUESTION = "question"
    """A seller's answer to a product question."""


class FeedbackKind(StrEnum):
    """The two sources of buyer text that live on the product's page."""

    REVIEW = "review"
    QUESTION = "question"


class FeedbackPost(StrEnum):
    """A review's or question's post in its forum topic."""

    PENDING = "pending"
    """Recorded, to be posted."""
    POSTED = "posted"
    SKIPPED = "skipped"
    """Recorded and never posted: older than first sight allows, or a rating not shown."""


class FeedbackOutcome(StrEnum):
    """What became of a review or question (what its post shows under it)."""

    OPEN = "open"
    """Nobody has answered it yet."""
    ANSWERED = "answered"
    """Staff answered it from Telegram (the answer was delivered to Ozon)."""
    CABINET = "cabinet"
    """Ozon shows it processed, and the bridge did not do it: handled in Ozon's cabinet."""
    DONE = "done"
    """Staff marked it as needing no answer (`/done`)."""
