"""The conversation a draft answers, as plain values, and the small protocol a source of them
keeps: the room drafts for whatever sources it is given, and knows none of them by name.

Buyer chats are the first source (`bot.core.drafts.chats`). Reviews and questions join by
implementing `ConversationSource` (their `Kind`, finding the conversation a `/draft` asks for,
reading it by its key, queueing the answer through the outbox) and being handed to the room.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from bot.core.drafts import wording
from bot.core.records import DraftRow, Staff


class Voice(Enum):
    """Who said a line of the conversation, as the model is told."""

    BUYER = "buyer"
    SELLER = "seller"
    """The seller: written in Ozon's cabinet, or sent by the bridge (no person's name)."""
    OZON = "ozon"
    """Ozon itself, its support or a courier."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation, as plain text."""

    voice: Voice
    text: str
    """What was said; a picture or a file as a word in brackets, never its address."""
    at: datetime
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """What sort of conversation a source holds: its name (stored with each draft), Ozon's limit
    on an answer's length, and the task as the model is told it (Russian)."""

    name: str
    limit: int
    task: str
    facts: str = wording.FACTS
    """How the facts are introduced to the model (`{facts}`: one fact a line)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """Everything a draft may be written from, for one conversation, and nothing else."""

    kind: Kind
    key: str
    """The conversation's id within its source (a buyer chat's id)."""
    topic_id: int
    turns: tuple[Turn, ...]
    """Its recent messages, oldest first (bounded by the source)."""
    facts: tuple[str, ...] = ()
    """What the order card says (the order, its postings, the product), one fact a line."""
    known_numbers: tuple[str, ...] = ()
    """Numbers of the conversation a draft may quote (order, posting, tracking, SKU): never
    taken for a phone number."""
    awaiting_reply: bool = True
    """The buyer waits for the seller (an automatic draft is dropped once they do not)."""

    @property
    def answers(self) -> Turn | None:
        """The buyer's latest message: what the draft answers."""
        return next((t for t in reversed(self.turns) if t.voice is Voice.BUYER), None)


class NotSendable(Exception):
    """A draft's text cannot go as it is; `reason` and `values` say why, for staff."""

    def __init__(self, reason: str, **values: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values: Mapping[str, str | int] = values


class ConversationSource(Protocol):
    """A source of conversations drafts answer (buyer chats; reviews and questions later)."""

    @property
    def kind(self) -> Kind: ...

    async def in_topic(self, topic_id: int, replied_to: int | None) -> Conversation | None:
        """The conversation `/draft` typed in this topic asks for (`replied_to`: the post the
        command answers, if any); None: not one of this source's."""
        ...

    async def read(self, key: str) -> Conversation | None:
        """The conversation as it stands now (None: gone)."""
        ...

    async def queue(self, draft: DraftRow, text: str, staff: Staff) -> bool:
        """Queue `text` through the outbox as a reply by `staff`, keyed on the draft's post,
        exactly once: False when that post had queued it already. Raises `NotSendable`."""
        ...


class Sources:
    """The sources drafts are written for, asked in order which conversation a topic holds."""

    def __init__(self, *sources: ConversationSource) -> None:
        self._sources = {source.kind.name: source for source in sources}

    def get(self, name: str) -> ConversationSource | None:
        return self._sources.get(name)

    async def in_topic(
        self, topic_id: int, replied_to: int | None
    ) -> tuple[ConversationSource, Conversation] | None:
        """The first source that holds a conversation for `/draft` in this topic, with it."""
        for source in self._sources.values():
            found = await source.in_topic(topic_id, replied_to)
            if found is not None:
                return source, found
        return None
