"""What the core needs from Ozon's chat API and its ratings: `bot.ozon.client.OzonClient`
implements it, and the core never imports the HTTP client itself (only Ozon's plain models and
errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Literal, Protocol

from bot.ozon.models import ChatSummary, HistoryPage, RolesInfo
from bot.ozon.orders import Posting
from bot.ozon.products import Product
from bot.ozon.ratings import RatingHistory, RatingSummary


class OzonChats(Protocol):
    def iter_chats(
        self, *, limit: int = 100, status: str = "ALL", unread_only: bool = False
    ) -> AsyncIterator[ChatSummary]: ...

    async def chat_history(
        self,
        chat_id: str,
        *,
        direction: Literal["Forward", "Backward"] = "Backward",
        from_message_id: str | None = None,
        limit: int = 50,
        message_ids: Sequence[str] | None = None,
    ) -> HistoryPage: ...

    async def send_message(self, chat_id: str, text: str) -> None: ...

    async def send_file(self, chat_id: str, content: bytes, name: str) -> None: ...

    async def mark_read(self, chat_id: str, from_message_id: str | None = None) -> int: ...


class OzonRatings(Protocol):
    """Ozon's grades of the seller (`/v1/rating/summary`, `/v1/rating/history`)."""

    async def rating_summary(self) -> RatingSummary: ...

    async def rating_history(
        self, ratings: Sequence[str], date_from: datetime, date_to: datetime
    ) -> RatingHistory: ...


class OzonOrders(Protocol):
    """What Ozon knows of an order and a product (for the order card)."""

    async def postings_of_order(
        self, order_number: str, *, since: datetime, until: datetime
    ) -> list[Posting]: ...

    async def products_by_sku(self, skus: Sequence[str]) -> list[Product]: ...


class OzonKey(Protocol):
    """What Ozon says of the API key itself (`/v1/roles`)."""

    async def roles(self) -> RolesInfo: ...
