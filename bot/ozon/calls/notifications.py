"""Ozon's push notification settings (beta methods; their results passed through as dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ozon._http import as_dict
from bot.ozon.transport import OzonTransport

__all__ = ["NotificationCalls"]


class NotificationCalls(OzonTransport):
    """Where Ozon pushes events: the list and the check are reads, the rest writes."""

    async def notification_set(self, url: str, types: Sequence[str]) -> dict[str, Any]:
        """Register `url` for push `types` (e.g. TYPE_NEW_MESSAGE)."""
        return as_dict(await self._post("/v1/notification/set", {"url": url, "types": [*types]}))

    async def notification_list(self) -> dict[str, Any]:
        """Registered URLs with their availability status."""
        return as_dict(await self._post("/v1/notification/list", {}, repeatable=True))

    async def notification_check(self, url: str) -> dict[str, Any]:
        """Ask Ozon to test `url` (`{is_active, errors}`)."""
        body = {"url": url}
        return as_dict(await self._post("/v1/notification/check", body, repeatable=True))

    async def notification_delete(self, notification_id: int) -> None:
        """Remove a registered URL."""
        await self._post("/v1/notification/delete", {"id": notification_id})

    async def notification_enable(self, notification_id: int, enabled: bool) -> None:
        """Switch pushes to a registered URL on or off."""
        await self._post("/v1/notification/enable", {"id": notification_id, "enabled": enabled})
