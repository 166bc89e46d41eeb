"""The push-notification subscription methods (`/v1/notification/*`), including the TYPE_PING
check Ozon makes of a URL before it accepts it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Unpack

import aiohttp
from aiohttp import web

from bot.sandbox.model import (
    NOTIFICATION_TYPE_DESCRIPTIONS,
    Json,
    Subscription,
    iso,
    ok,
    parse_json,
    parse_uint64,
    rpc_error,
)
from bot.sandbox.state import Methods, StandInOptions, StandInState

_THRESHOLDS = [
    {"status": "GREEN", "threshold": 1500},
    {"status": "YELLOW", "threshold": 2500},
    {"status": "RED", "threshold": 2500},
]
"""Ozon's grades of a push URL by its answer time, in milliseconds."""


class NotificationMethods(StandInState):
    """Handlers of the subscription methods, over `subscriptions` (no role of their own)."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.ping_timeout = 2.5
        """Seconds /v1/notification/check waits for the TYPE_PING answer."""
        self._next_subscription_id = 1001

    def _notification_methods(self) -> Methods:
        return Methods(
            handlers={
                "/v1/notification/set": self._notification_set,
                "/v1/notification/update": self._notification_update,
                "/v1/notification/enable": self._notification_enable,
                "/v1/notification/delete": self._notification_delete,
                "/v1/notification/list": self._notification_list,
                "/v1/notification/check": self._notification_check,
                "/v1/notification/push-type/list": self._push_type_list,
            },
            roles=list,
            refused=lambda path: False,
        )

    def _subscription(self, body: Json) -> Subscription | web.Response:
        sub = self.subscriptions.get(int(body["id"]))
        return sub if sub is not None else rpc_error(404, "notification url not found")

    async def _notification_set(self, body: Json) -> web.Response:
        if any(s.url == body["url"] for s in self.subscriptions.values()):
            return rpc_error(409, "url already exists")
        sub_id = self._next_subscription_id
        self._next_subscription_id += 1
        self.subscriptions[sub_id] = Subscription(
            sub_id, body["url"], list(body["types"]), datetime.now(UTC)
        )
        return ok({})

    async def _notification_update(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        sub.url = body.get("url", sub.url)
        sub.types = list(body.get("types", sub.types))
        return ok({})

    async def _notification_enable(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        sub.enabled = bool(body["enabled"])
        sub.disable_reason = "" if sub.enabled else "SELLER"
        return ok({})

    async def _notification_delete(self, body: Json) -> web.Response:
        sub = self._subscription(body)
        if isinstance(sub, web.Response):
            return sub
        del self.subscriptions[sub.id]
        return ok({})

    async def _notification_list(self, body: Json) -> web.Response:
        statuses = body.get("availability_statuses") or ["GREEN", "YELLOW", "RED"]
        subs = [s for s in self.subscriptions.values() if s.availability_status in statuses]
        subs.sort(key=lambda s: s.id, reverse=body.get("sort_dir") == "DESC")
        offset = parse_uint64(body.get("offset", 0))
        limit = parse_uint64(body.get("limit", 100))
        urls = [
            {
                "id": s.id,
                "url": s.url,
                "enable": s.enabled,
                "types": [
                    {"type": t, "description": NOTIFICATION_TYPE_DESCRIPTIONS.get(t, t)}
                    for t in s.types
                ],
                "created_at": iso(s.created_at),
                "availability_status": s.availability_status,
                "disable_reason": s.disable_reason,
                "reason_details": "",
                "availability_status_date": iso(s.created_at),
                "problematic_type": "",
            }
            for s in subs[offset : offset + limit]
        ]
        return ok(
            {"urls": urls, "total_count": len(subs), "availability_status_thresholds": _THRESHOLDS}
        )

    async def _push_type_list(self, body: Json) -> web.Response:
        types: list[Json] = []
        for name in self.push_types:
            item: Json = {
                "type": name,
                "description": NOTIFICATION_TYPE_DESCRIPTIONS.get(name, name),
            }
            for sub in self.subscriptions.values():
                if sub.enabled and name in sub.types:
                    item["seller_endpoint"] = {"id": sub.id, "url": sub.url}
                    break
            types.append(item)
        return ok({"types": types})

    async def _notification_check(self, body: Json) -> web.Response:
        errors = await self._ping(body["url"])
        return ok({"is_active": not errors, "errors": errors})

    async def _ping(self, url: str) -> list[Json]:
        """Send TYPE_PING to `url` as Ozon does; returns the problems found (empty: all good)."""
        ping = {"message_type": "TYPE_PING", "time": iso(datetime.now(UTC))}
        timeout = aiohttp.ClientTimeout(total=self.ping_timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, json=ping) as resp,
            ):
                status, raw = resp.status, await resp.read()
        except TimeoutError:
            return _ping_error("REQUEST_TIMEOUT", f"no answer within {self.ping_timeout} s")
        except (aiohttp.ClientError, ValueError) as exc:
            return _ping_error("REQUEST_ERROR", str(exc) or type(exc).__name__)
        return _judge_ping(status, raw)


def _ping_error(kind: str, text: str) -> list[Json]:
    return [{"type": kind, "description": text}]


def _judge_ping(status: int, raw: bytes) -> list[Json]:
    """Ozon's checks of a TYPE_PING answer."""
    if status != 200:
        return _ping_error("STATUS_CODE_NOT_OK", f"HTTP {status}")
    if not raw.strip():
        return _ping_error("EMPTY_BODY", "empty body")
    parsed, answer = parse_json(raw)
    if not parsed:
        return _ping_error("INVALID_JSON", "body is not JSON")
    if not isinstance(answer, dict) or not {"version", "name", "time"} <= answer.keys():
        return _ping_error("INVALID_BODY", "expected version, name and time")
    try:
        datetime.fromisoformat(str(answer["time"]).replace("Z", "+00:00"))
    except ValueError:
        return _ping_error("WRONG_RESULT_TIME_FIELD", f"bad time {answer['time']!r}")
    return []
