"""Simulated buyers: they drive the Ozon stand-in as real buyers would, for the sandbox.

Each buyer has an order and opens a chat about it (where is my parcel, which size, a defect with
a photo, a question about the product), writes now and then, answers staff a few seconds after
they write in the chat, and says thanks in the end; Ozon may close a chat a while after the
thanks, and the buyer's next message then opens a chat about a new order. What they say is in
`bot.sandbox.phrases`. The stand-in knows each order (one posting) and its product, so that the
sandbox can show what a chat is about; now and then a buyer reviews that product or asks about
it on its page (`bot.sandbox.reviewers`).

The buyers run as tasks beside the stand-in, never inside its requests: the stand-in only tells
them that staff wrote. Time goes through an injectable `sleep`, chance through a seeded
`random.Random`, so tests can run a simulation fast and reproducibly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.model import StandInMessage
from bot.sandbox.order_model import SCHEMES
from bot.sandbox.phrases import (
    AFTER_FILE,
    ANOTHER_QUESTION,
    BUYER_NAMES,
    SIGNATURE,
    THANKS,
    TOPICS,
)
from bot.sandbox.pictures import Colour, png
from bot.sandbox.reviewers import FeedbackSimulation
from bot.sandbox.server import OzonStandIn

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
_BACKGROUNDS: tuple[Colour, ...] = ((236, 222, 200), (205, 220, 235), (225, 235, 215))
_MARKS: tuple[Colour, ...] = ((90, 60, 40), (150, 30, 30), (40, 40, 40))
_GOODS = (
    ("Термокружка стальная «Путник» 450 мл", "TK-450-GRY", 2490),
    ("Плед флисовый 150×200, серый", "PLD-150-GR", 1290),
    ("Кроссовки беговые, размер 42", "RUN-42-BLK", 5990),
)
"""What the buyers order (name, article, price), chosen by the SKU."""
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Timings:
    """How fast the buyers live, in seconds."""

    mean_interval: float = 40.0
    """Mean time between a buyer's own messages (exponentially distributed)."""
    reply_delay: float = 4.0
    """Time a buyer takes to answer staff, give or take half."""
    close_after: float = 90.0
    """Time after a buyer's thanks when Ozon may close the chat."""
    close_chance: float = 0.5
    """Chance that Ozon closes a chat after the buyer's thanks."""
    max_nudges: int = 2
    """Reminders a buyer writes while staff do not answer, before falling silent."""
    new_question_chance: float = 0.3
    """Chance, at each of a thanked buyer's turns, of asking something new in the same chat
    (low, so that Ozon gets to close some chats first)."""
    feedback_interval: float = 90.0
    """Mean time between reviews or product questions, of all buyers together."""


@dataclass
class Buyer:
    """One simulated buyer and where their conversation stands."""

    name: str
    user_id: str
    order_number: str = ""
    sku: str = ""
    chat_id: str | None = None
    topic: str = ""
    patience: int = 1
    """Staff answers the buyer needs before saying thanks."""
    staff_answers: int = 0
    nudges: int = 0
    thanked: bool = False
    answering: bool = False
    said: set[str] = field(default_factory=set)


class BuyerSimulation:
    """A handful of buyers writing to the stand-in: `start()`, later `await stop()`."""

    def __init__(
        self,
        ozon: OzonStandIn,
        *,
        buyers: int = 4,
        timings: Timings | None = None,
        seed: int | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not 1 <= buyers <= len(BUYER_NAMES):
            raise ValueError(f"buyers must be 1..{len(BUYER_NAMES)}")
        self.timings = timings or Timings()
        if self.timings.mean_interval <= 0:
            raise ValueError("mean_interval must be positive")
        self._ozon = ozon
        self._rng = random.Random(seed)  # noqa: S311 - a simulation, not secrets
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self.buyers = [
            self._new_order(Buyer(name, self._digits(6, 9)))
            for name in self._rng.sample(BUYER_NAMES, buyers)
        ]
        ozon.add_seller_listener(self._on_seller_message)
        self.feedback = FeedbackSimulation(
            ozon, self.buyers, mean_interval=self.timings.feedback_interval, seed=seed, sleep=sleep
        )

    def start(self) -> None:
        self._running = True
        for index, buyer in enumerate(self.buyers):
            self._spawn(self._live(buyer, first=index == 0))
        self._spawn(self.feedback.run())

    async def stop(self) -> None:
        self._running = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- what buyers do --------------------------------------------------------------------

    def write(self, buyer: Buyer) -> str | None:
        """The buyer's own next message, unprompted; returns its id (None: the buyer waits).

        No chat yet, or Ozon closed it: a chat about a new order. After thanks: now and then a
        new question in the same chat. Otherwise a reminder, unless staff are being answered or
        the buyer has reminded enough."""
        if buyer.chat_id is None or self._closed(buyer):
            if buyer.chat_id is not None:
                self._new_order(buyer)
            buyer.chat_id = self._ozon.add_chat()
            self._ozon.chats[buyer.chat_id].posting_number = f"{buyer.order_number}-1"
            log.info(
                "sandbox: %s opened chat %s (order %s)",
                buyer.name,
                buyer.chat_id,
                buyer.order_number,
            )
            return self._open_topic(buyer, [])
        if buyer.thanked:
            if self._rng.random() >= self.timings.new_question_chance:
                return None
            return self._open_topic(buyer, [ANOTHER_QUESTION])
        if buyer.answering or buyer.nudges >= self.timings.max_nudges:
            return None
        buyer.nudges += 1
        return self._say(buyer, [self._pick(buyer, TOPICS[buyer.topic].nudges)])

    def answer(self, buyer: Buyer, *, to_file: bool = False) -> str | None:
        """The buyer's answer to staff; returns its id (None: nothing to add after thanks)."""
        if buyer.thanked or self._closed(buyer):
            return None
        buyer.staff_answers += 1
        buyer.nudges = 0
        topic = TOPICS[buyer.topic]
        if to_file and self._rng.random() < 0.5:
            return self._say(buyer, [self._pick(buyer, AFTER_FILE)])
        if buyer.staff_answers >= buyer.patience:
            buyer.thanked = True
            message_id = self._say(buyer, [self._pick(buyer, THANKS)])
            if self._rng.random() < self.timings.close_chance:
                self._spawn(self._close_later(buyer, buyer.chat_id))
            return message_id
        text = self._pick(buyer, topic.follow_ups + topic.picture_follow_ups)
        pictures = [self._picture()] if text in topic.picture_follow_ups else []
        return self._say(buyer, [text], pictures)

    # ---- tasks -----------------------------------------------------------------------------

    async def _live(self, buyer: Buyer, *, first: bool = False) -> None:
        """Write now and then. The first buyer writes at once and the others soon after, so
        that whoever starts the sandbox sees a buyer's topic within seconds."""
        await self._sleep(0 if first else self._rng.uniform(0, self.timings.mean_interval / 2))
        while True:
            self.write(buyer)
            await self._sleep(self._rng.expovariate(1 / self.timings.mean_interval))

    def _on_seller_message(self, chat_id: str, message: StandInMessage) -> None:
        """Staff wrote through the API: the buyer of that chat answers a little later."""
        buyer = next((b for b in self.buyers if b.chat_id == chat_id), None)
        if not self._running or buyer is None or buyer.answering:
            return
        buyer.answering = True
        self._spawn(self._answer_later(buyer, to_file=message.file_token is not None))

    async def _answer_later(self, buyer: Buyer, *, to_file: bool) -> None:
        try:
            await self._sleep(self.timings.reply_delay * self._rng.uniform(0.5, 1.5))
        finally:
            buyer.answering = False
        self.answer(buyer, to_file=to_file)

    async def _close_later(self, buyer: Buyer, chat_id: str | None) -> None:
        await self._sleep(self.timings.close_after)
        if chat_id is not None and buyer.chat_id == chat_id and buyer.thanked:
            self._ozon.close_chat(chat_id)
            log.info("sandbox: Ozon closed chat %s of %s", chat_id, buyer.name)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sandbox: a simulated buyer failed", exc_info=task.exception())

    # ---- helpers ---------------------------------------------------------------------------

    def _new_order(self, buyer: Buyer) -> Buyer:
        buyer.order_number = f"{self._digits(8, 8)}-{self._rng.randint(1, 20):04d}"
        buyer.sku = self._digits(6, 9)
        self._stock(buyer)
        return buyer

    def _stock(self, buyer: Buyer) -> None:
        """Give the stand-in the buyer's order, delivered tomorrow, and its product. Made from
        the numbers alone, so that the buyers' chances stay what the seed makes them."""
        sku = int(buyer.sku)
        name, offer_id, price = _GOODS[sku % len(_GOODS)]
        self._ozon.add_product(sku, name, offer_id, price, old_price=price * 5 // 4)
        scheme = SCHEMES[int(buyer.order_number.replace("-", "")) % len(SCHEMES)]
        fbs = scheme != "FBO"
        now = datetime.now(UTC).replace(microsecond=0)
        window = (now + _DAY, now + _DAY + timedelta(hours=12))
        self._ozon.add_posting(
            buyer.order_number,
            products=[sku],
            scheme=scheme,
            status="delivering",
            in_process_at=now - 2 * _DAY,
            shipment_date=now - _DAY if fbs else None,
            delivering_date=now - _DAY / 2 if fbs else None,
            delivery_window=window if fbs else None,
            client_delivery_window=None if fbs else window,
            tracking_number=f"RP{sku:09d}RU" if scheme == "rFBS" else "",
        )

    def _open_topic(self, buyer: Buyer, lead: list[str]) -> str:
        buyer.topic = self._rng.choice(sorted(TOPICS))
        buyer.patience = self._rng.randint(1, 3)
        buyer.staff_answers = buyer.nudges = 0
        buyer.thanked = False
        topic = TOPICS[buyer.topic]
        lines = [*lead, self._pick(buyer, topic.openers)]
        if self._rng.random() < 0.3:
            lines.append(SIGNATURE)
        count = self._rng.randint(1, 2) if topic.with_picture else 0
        return self._say(buyer, lines, [self._picture() for _ in range(count)])

    def _say(self, buyer: Buyer, lines: list[str], pictures: Sequence[bytes] = ()) -> str:
        assert buyer.chat_id is not None
        facts = {"order": buyer.order_number, "sku": buyer.sku, "name": buyer.name}
        return self._ozon.add_message(
            buyer.chat_id,
            [line.format(**facts) for line in lines],
            user_id=buyer.user_id,
            images=pictures,
            order_number=buyer.order_number,
            sku=buyer.sku,
        )

    def _pick(self, buyer: Buyer, options: Sequence[str]) -> str:
        """A phrase this buyer has not said yet, when there is one."""
        fresh = [o for o in options if o not in buyer.said] or list(options)
        choice = self._rng.choice(fresh)
        buyer.said.add(choice)
        return choice

    def _picture(self) -> bytes:
        return png(96, 72, self._rng.choice(_BACKGROUNDS), self._rng.choice(_MARKS))

    def _digits(self, least: int, most: int) -> str:
        count = self._rng.randint(least, most)
        return str(self._rng.randint(10 ** (count - 1), 10**count - 1))

    def _closed(self, buyer: Buyer) -> bool:
        return buyer.chat_id is not None and self._ozon.chats[buyer.chat_id].status == "CLOSED"
