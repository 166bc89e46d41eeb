"""Ozon -> Telegram, built: the poll and `/sync`, the push inbox, the recorder, the relay that
posts into topics, and the order cards read for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.app.desk import DeskParts
from bot.app.jobs import Jobs
from bot.app.signals import Signal
from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.cards.opening import Opening
from bot.core.cards.reader import CardReader
from bot.core.cards.reading import CardReading
from bot.core.meter import Meter
from bot.core.relay.poller import Poller
from bot.core.relay.posting import TopicPoster
from bot.core.relay.push_inbox import PushInbox
from bot.core.relay.recorder import HistoryRecorder
from bot.core.relay.relay import Relay
from bot.core.relay.sending import Sender
from bot.core.relay.sync import Syncer
from bot.core.relay.topics import Topics
from bot.core.worker import Worker
from bot.ozon.client import OzonClient
from bot.ozon.media import MediaDownloader


@dataclass(frozen=True, slots=True)
class RelayParts:
    relay: Relay
    cards: CardReader
    syncer: Syncer
    inbox: PushInbox
    poller: Poller

    @property
    def workers(self) -> list[Worker]:
        return [self.relay, self.inbox, self.cards]


def build_relay(
    settings: Settings,
    stores: Stores,
    ozon: OzonClient,
    media: MediaDownloader,
    tg: TelegramSide,
    desk: DeskParts,
    jobs: Jobs,
    meter: Meter,
) -> RelayParts:
    card_posted, recorded = Signal(), Signal()
    topics = Topics(stores.chats, tg.gateway, tg.renderer)
    opening = Opening(stores.cards, tg.renderer, on_posted=card_posted)
    sender = Sender(tg.gateway, tg.renderer, media, stores.messages)
    poster = TopicPoster(
        stores.db, stores.chats, stores.messages, topics, tg.gateway, sender, opening
    )
    relay = Relay(
        stores.chats, stores.messages, topics, poster, tg.gateway, tg.renderer, meter=meter
    )
    cards = CardReader(
        stores.cards,
        stores.chats,
        CardReading(ozon),
        tg.gateway,
        tg.renderer,
        pin=settings.pin_order_card,
        retry=timedelta(seconds=settings.card_retry_seconds),
        posts_done=lambda: relay.quiet,  # buyer posts first: cards in spare slots
    )
    card_posted.connect(cards.wake)
    recorded.connect(relay.wake)  # new messages to post,
    recorded.connect(cards.wake)  # and an order card to read
    desk.changed.connect(relay.wake)  # a closed chat's topic is closed
    recorder = HistoryRecorder(
        stores.db, stores.chats, stores.messages, stores.outbox, desk.desk, stores.cards
    )
    syncer = Syncer(
        ozon,
        stores.chats,
        recorder,
        on_recorded=recorded,
        on_closed=relay.wake,
        desk=desk.desk,
        first_sight_window=timedelta(hours=settings.first_sight_hours),
        first_sight_max_messages=settings.first_sight_max_messages,
    )
    inbox = PushInbox(syncer, stores.chats, desk.desk, on_closed=relay.wake)
    poller = Poller(syncer)
    jobs.poll(poller, settings.poll_interval_seconds)
    return RelayParts(relay, cards, syncer, inbox, poller)
