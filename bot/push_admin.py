"""`python -m bot push register <https-url> | status | unregister [<url>]`: the push subscription.

Uses Ozon's (beta) `/v1/notification/*` methods. `register` first asks Ozon to check the URL (Ozon
sends it a TYPE_PING, which the running bridge answers), then subscribes it to the chat events.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO
from urllib.parse import urlsplit

from bot.app.clients import make_ozon
from bot.config import Settings
from bot.ozon import OzonAuthError, OzonError
from bot.ozon.client import OzonClient

CHAT_PUSH_TYPES = (
    "TYPE_NEW_MESSAGE",
    "TYPE_UPDATE_MESSAGE",
    "TYPE_MESSAGE_READ",
    "TYPE_CHAT_CLOSED",
)


async def run_push_command(
    settings: Settings, action: str, url: str | None, out: TextIO = sys.stdout
) -> int:
    async with make_ozon(settings) as ozon:
        try:
            if action == "register":
                assert url is not None
                return await _register(ozon, url, out)
            if action == "unregister":
                return await _unregister(ozon, url, out)
            return await _status(ozon, out)
        except OzonAuthError as exc:
            print(f"Ozon refused the request: {exc.explanation}", file=out)
        except OzonError as exc:
            print(f"Ozon refused the request: {exc}", file=out)
        return 1


async def _register(ozon: OzonClient, url: str, out: TextIO) -> int:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        print("The push URL must be an https:// address Ozon can reach.", file=out)
        return 2
    check = await ozon.notification_check(url)
    if not check.get("is_active"):
        problems = "; ".join(
            f"{e.get('type')}: {e.get('description')}" for e in check.get("errors") or []
        )
        print(
            f"Ozon could not reach {url} ({problems or 'no details'}). Start the bridge with "
            "PUSH_ENABLED=true behind that address, then register again.",
            file=out,
        )
        return 1
    existing = _find(await ozon.notification_list(), url)
    if existing is None:
        await ozon.notification_set(url, CHAT_PUSH_TYPES)
        print(f"Registered {url} for {', '.join(CHAT_PUSH_TYPES)}.", file=out)
    else:
        print(f"{url} is already registered (id {existing.get('id')}).", file=out)
    return await _status(ozon, out)


async def _unregister(ozon: OzonClient, url: str | None, out: TextIO) -> int:
    urls = (await ozon.notification_list()).get("urls") or []
    chosen = [u for u in urls if url is None or u.get("url") == url]
    if not chosen:
        print("No such push URL is registered." if url else "No push URL is registered.", file=out)
        return 1
    for entry in chosen:
        await ozon.notification_delete(int(entry["id"]))
        print(f"Unregistered {entry.get('url')} (id {entry.get('id')}).", file=out)
    return 0


async def _status(ozon: OzonClient, out: TextIO) -> int:
    urls = (await ozon.notification_list()).get("urls") or []
    if not urls:
        print("No push URL is registered: the bridge relies on polling.", file=out)
        return 0
    for entry in urls:
        types = ", ".join(str(t.get("type")) for t in entry.get("types") or [])
        state = "enabled" if entry.get("enable") else "disabled"
        line = (
            f"{entry.get('url')} (id {entry.get('id')}): {state}, availability "
            f"{entry.get('availability_status') or 'unknown'}"
        )
        reason = entry.get("disable_reason") or entry.get("reason_details")
        if reason and not entry.get("enable"):
            line += f" ({reason})"
        print(f"{line}; types: {types or 'none'}", file=out)
    return 0


def _find(listing: dict[str, Any], url: str) -> dict[str, Any] | None:
    for entry in listing.get("urls") or []:
        if entry.get("url") == url:
            return dict(entry)
    return None
