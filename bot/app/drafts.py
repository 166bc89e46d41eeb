"""Reply drafts, built: the staff actions (always: with drafts off, `/draft` says how to turn
them on), and with AI_API_URL set, the writer (the model's client, the prompt's sources, the
posts in the topics) and, with AI_DRAFTS_AUTO, the look for new buyer messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.drafts.actions import Drafts
from bot.core.drafts.auto import AutoDrafts
from bot.core.drafts.chats import BuyerChats
from bot.core.drafts.conversation import ConversationSource, Sources
from bot.core.drafts.writer import DraftWriter
from bot.core.meter import Meter
from bot.core.worker import Worker
from bot.secrets import remember, scrub
from bot.telegram.gateway.calls import GroupCalls
from bot.telegram.texts.cards import CARD_STATUSES
from bot.telegram.views.drafts import DraftBoard
from storage.drafts import DraftRepository

if TYPE_CHECKING:
    from bot.llm.client import ModelClient

AUTO_MARK = "drafts_auto_after"
"""The `meta` value where automatic drafts' last look stopped (a `messages` row id)."""


@dataclass(frozen=True, slots=True)
class DraftParts:
    drafts: Drafts
    writer: DraftWriter | None
    """None while drafts are off."""

    @property
    def workers(self) -> list[Worker]:
        return [] if self.writer is None else [self.writer]


def build_drafts(
    settings: Settings,
    stores: Stores,
    tg: TelegramSide,
    llm: ModelClient | None,
    *,
    more_sources: Sequence[ConversationSource] = (),
    on_queued: Callable[[], None],
    posts_done: Callable[[], bool],
    meter: Meter,
) -> DraftParts:
    """`more_sources`: what else staff may draft answers to (reviews, questions) besides buyer
    chats; `on_queued` wakes the outbox (a draft sent); `posts_done` says every buyer message is
    posted (automatic drafts, for buyer chats, wait for it)."""
    repository = DraftRepository(stores.db)
    board = DraftBoard(tg.bot, settings.forum_chat_id, GroupCalls(tg.flood))
    chats = BuyerChats(
        stores.chats,
        repository,
        stores.cards,
        stores.outbox,
        on_queued=on_queued,
        tz=settings.tz,
        statuses=CARD_STATUSES,
        max_parts=settings.reply_max_parts,
    )
    sources = Sources(chats, *more_sources)
    writer = None
    if llm is not None:
        # Whatever the bridge knows as a secret is scrubbed from every prompt too.
        keys = (settings.bot_token, settings.ozon_api_key, settings.ai_api_key)
        remember(*(key.get_secret_value() for key in keys if key is not None))
        auto = None
        if settings.ai_drafts_auto:
            mark = stores.meta(AUTO_MARK)
            auto = AutoDrafts(
                repository, mark, repository, chats, posts_done=posts_done, meter=meter
            )
        writer = DraftWriter(
            repository,
            sources,
            llm,
            board,
            stores.templates,
            instructions=settings.read_ai_instructions,
            tz=settings.tz,
            timeout=settings.ai_timeout_seconds,
            redact=scrub,
            auto=auto,
            meter=meter,
        )
    wake = writer.wake if writer is not None else _nothing
    drafts = Drafts(
        repository, sources, board, enabled=writer is not None, on_asked=wake, meter=meter
    )
    return DraftParts(drafts, writer)


def _nothing() -> None:
    """Drafts are off: nobody to wake."""
