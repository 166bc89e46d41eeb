"""The simulated buyers' reviews and product questions, for the sandbox: now and then one of them
reviews what they ordered (praise with 4 or 5 stars, a complaint with 1 to 3, some with photos)
or asks a question on the product's page. What they write is in `bot.sandbox.phrases`.

It runs beside the buyers' chats (`bot.sandbox.buyers.BuyerSimulation` starts it) with its own
seeded chance, so that a seed gives the same chats with or without it.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.sandbox.phrases import PRODUCT_QUESTIONS, REVIEWS_COMPLAINING, REVIEWS_PRAISING
from bot.sandbox.pictures import Colour, png
from bot.sandbox.server import OzonStandIn

Sleep = Callable[[float], Awaitable[None]]
_REVIEW_CHANCE = 0.6
"""Of what buyers leave, the share that are reviews (the rest are questions)."""
_COMPLAINT_CHANCE = 0.35
_PHOTO_CHANCE = {True: 0.5, False: 0.2}
"""Chance of photos with a complaint (True) and with praise (False)."""
_CANCELLED_CHANCE = 0.15
"""Chance that a complaint is about an order the buyer refused."""
_PHOTO_COLOURS: tuple[Colour, ...] = ((230, 225, 215), (200, 215, 230), (240, 230, 200))


class Shopper(Protocol):
    """A buyer as far as feedback goes (`bot.sandbox.buyers.Buyer`): who, and which product
    (a SKU the stand-in sells)."""

    @property
    def name(self) -> str: ...

    @property
    def sku(self) -> str: ...


class FeedbackSimulation:
    """Reviews and questions from `buyers` about the products they ordered."""

    def __init__(
        self,
        ozon: OzonStandIn,
        buyers: Sequence[Shopper],
        *,
        mean_interval: float,
        seed: int | None,
        sleep: Sleep,
    ) -> None:
        if mean_interval <= 0:
            raise ValueError("feedback_interval must be positive")
        self._ozon = ozon
        self._buyers = buyers
        self._mean_interval = mean_interval
        chance = None if seed is None else f"feedback-{seed}"
        self._rng = random.Random(chance)  # noqa: S311 - a simulation, not secrets
        self._sleep = sleep

    async def run(self) -> None:
        """Leave something after each exponentially distributed pause, until cancelled."""
        while True:
            await self._sleep(self._rng.expovariate(1 / self._mean_interval))
            self.leave()

    def leave(self) -> str:
        """One buyer reviews their product or asks about it; returns the review's or
        question's id."""
        buyer = self._rng.choice(self._buyers)
        if self._rng.random() < _REVIEW_CHANCE:
            return self._review(buyer)
        text = self._rng.choice(PRODUCT_QUESTIONS)
        return self._ozon.add_question(buyer.sku, text, author_name=buyer.name)

    def _review(self, buyer: Shopper) -> str:
        complaint = self._rng.random() < _COMPLAINT_CHANCE
        if complaint:
            rating, text = self._rng.randint(1, 3), self._rng.choice(REVIEWS_COMPLAINING)
        else:
            rating, text = self._rng.randint(4, 5), self._rng.choice(REVIEWS_PRAISING)
        cancelled = complaint and self._rng.random() < _CANCELLED_CHANCE
        photos = []
        if self._rng.random() < _PHOTO_CHANCE[complaint]:
            photos = [self._photo() for _ in range(self._rng.randint(1, 3))]
        return self._ozon.add_review(
            buyer.sku,
            text,
            rating=rating,
            order_status="CANCELLED" if cancelled else "DELIVERED",
            photos=photos,
        )

    def _photo(self) -> bytes:
        mark = (120, 40, 40) if self._rng.random() < 0.5 else None
        return png(120, 90, self._rng.choice(_PHOTO_COLOURS), mark)
