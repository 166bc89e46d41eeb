"""One outbox, several places in Ozon: each row is sent, reconciled and marked delivered by the
`Destination` and the `Delivery` of its `target` (a buyer chat, a review's comment, a question's
answer). The outbox sender is handed these as its one destination and one delivery."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.records import OutboxRow
from bot.core.replies.destinations import Destination
from bot.core.replies.outbox import Delivery
from bot.core.states import OutboxTarget


class UnknownTarget(Exception):
    """A row for a target nothing was built for (a setting turned the source off): it is given
    up by the sender like any unexpected error, after its attempts."""


class DestinationByTarget:
    def __init__(self, destinations: Mapping[OutboxTarget, Destination]) -> None:
        self._destinations = dict(destinations)

    def _of(self, row: OutboxRow) -> Destination:
        destination = self._destinations.get(row.target)
        if destination is None:
            raise UnknownTarget(f"no destination for {row.target} rows")
        return destination

    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        await self._of(row).send(row, payload)

    async def echo_of(self, row: OutboxRow) -> str | None:
        return await self._of(row).echo_of(row)


class DeliveryByTarget:
    def __init__(self, deliveries: Mapping[OutboxTarget, Delivery]) -> None:
        self._deliveries = dict(deliveries)

    async def delivered(self, row: OutboxRow, echo: str | None) -> None:
        delivery = self._deliveries.get(row.target)
        if delivery is None:
            raise UnknownTarget(f"no delivery for {row.target} rows")
        await delivery.delivered(row, echo)
