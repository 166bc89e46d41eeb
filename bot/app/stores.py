"""Storage as the bridge uses it: the database and one repository per table, opened together."""

from __future__ import annotations

from dataclasses import dataclass

from storage.broadcasts import BroadcastRepository
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from storage.feedback import FeedbackRepository
from storage.feedback_stats import FeedbackStatsRepository
from storage.feedback_topics import FeedbackTopicRepository
from storage.messages import MessageRepository
from storage.meta import MetaValues
from storage.outbox import OutboxRepository
from storage.recipients import RecipientRepository
from storage.stats import StatsRepository
from storage.templates import TemplateRepository


@dataclass(frozen=True, slots=True)
class Stores:
    db: Database
    chats: ChatRepository
    messages: MessageRepository
    outbox: OutboxRepository
    cards: CardRepository
    periods: DeskRepository
    broadcasts: BroadcastRepository
    recipients: RecipientRepository
    templates: TemplateRepository
    stats: StatsRepository
    feedback: FeedbackRepository
    feedback_topics: FeedbackTopicRepository
    feedback_stats: FeedbackStatsRepository

    @classmethod
    def of(cls, db: Database) -> Stores:
        return cls(
            db=db,
            chats=ChatRepository(db),
            messages=MessageRepository(db),
            outbox=OutboxRepository(db),
            cards=CardRepository(db),
            periods=DeskRepository(db),
            broadcasts=BroadcastRepository(db),
            recipients=RecipientRepository(db),
            templates=TemplateRepository(db),
            stats=StatsRepository(db),
            feedback=FeedbackRepository(db),
            feedback_topics=FeedbackTopicRepository(db),
            feedback_stats=FeedbackStatsRepository(db),
        )

    def meta(self, key: str) -> MetaValues:
        """One value of the `meta` table (what the alerts told the group, ...)."""
        return MetaValues(self.db, key)
