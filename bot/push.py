"""The HTTP side of the bridge: Ozon's push notifications and `/healthz`, on one aiohttp server.

Ozon suspends pushes to a URL that answers slowly or wrongly, so a push is checked, handed to the
core's queue (`PushSink.accept`, which never waits) and answered at once; the work happens
afterwards. Answers are always JSON: `TYPE_PING` gets `{version, name, time}`, other types
`{"result": true}`, errors Ozon's `{"error": {code, message, details}}`.

Guarding the door: only addresses in `allowed` (Ozon's documented ranges by default; the client
address comes from `X-Forwarded-For` only when the direct peer is a trusted proxy), bodies up to
`max_body`, and with `hmac_secret` an `X-Ozon-Signature: sha256=<hex>` over the raw body,
compared in constant time. No bad request reaches the queue or costs a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.core.events import HealthReport, PushEvent, PushKind, PushSink
from bot.ozon import BUYER_CHAT_TYPES, canonical_id, fold_enum

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ozon's type -> (the core's kind, the field naming the message id).
_CHAT_EVENTS: dict[str, tuple[PushKind, str | None]] = {
    "TYPE_NEW_MESSAGE": ("new_message", "message_id"),
    "TYPE_UPDATE_MESSAGE": ("update_message", "message_id"),
    "TYPE_MESSAGE_READ": ("message_read", "last_read_message_id"),
    "TYPE_CHAT_CLOSED": ("chat_closed", None),
}


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PushServer:
    def __init__(
        self,
        *,
        sink: PushSink,
        health: Callable[[], Awaitable[HealthReport]],
        path: str,
        port: int,
        host: str,
        allowed: Sequence[Network],
        trusted_proxies: Sequence[Network] = (),
        hmac_secret: str | None = None,
        push_enabled: bool = True,
        version: str,
        name: str = "ozon-telegram-bridge",
        max_body: int = 1024 * 1024,
    ) -> None:
        self._sink = sink
        self._health = health
        self._path = path
        self._port = port
        self._host = host
        self._allowed = tuple(allowed)
        self._trusted = tuple(trusted_proxies)
        self._secret = hmac_secret.encode() if hmac_secret else None
        self._enabled = push_enabled
        self._version = version
        self._name = name
        self._max_body = max_body
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("the push server is not started")
        return self._bound_port

    async def start(self) -> None:
        # aiohttp's own limit sits above ours so that an oversized body is our clean 413.
        app = web.Application(client_max_size=self._max_body + 1)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_route("*", self._path, self._push)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
        log.info("http server listening on %s:%s", self._host, self._bound_port)

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            report = await self._health()
        except Exception as exc:  # noqa: BLE001 - a health check answers, whatever happens
            return web.json_response(
                {"status": "unavailable", "reason": type(exc).__name__}, status=503
            )
        if report.ok:
            return web.json_response({"status": "ok", **report.details})
        return web.json_response(
            {"status": "unavailable", "reason": report.reason, **report.details}, status=503
        )

    async def _push(self, request: web.Request) -> web.Response:
        client = self._client_address(request)
        try:
            if not self._enabled:
                raise _Refusal(404, "ERROR_UNKNOWN", "push notifications are turned off")
            if request.method != "POST":
                raise _Refusal(405, "ERROR_UNKNOWN", "only POST is accepted")
            if client is None or not any(client in net for net in self._allowed):
                raise _Refusal(403, "ERROR_UNKNOWN", "this address may not push")
            body = await self._read(request)
            self._verify(request, body)
            answer = self._handle(_parse(body))
        except _Refusal as refusal:
            log.warning("push from %s refused: %s %s", client, refusal.status, refusal)
            return _error(refusal.status, refusal.code, str(refusal))
        except Exception:
            log.exception("push from %s: could not queue the event", client)
            return _error(500, "ERROR_UNKNOWN", "internal error")
        return web.json_response(answer)

    def _client_address(self, request: web.Request) -> Address | None:
        try:
            peer = ipaddress.ip_address(request.remote or "")
        except ValueError:
            return None
        if not any(peer in net for net in self._trusted):
            return peer
        # Behind a trusted proxy: the nearest hop that is not a proxy itself.
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            try:
                address = ipaddress.ip_address(hop)
            except ValueError:
                return None
            if not any(address in net for net in self._trusted):
                return address
        return peer

    async def _read(self, request: web.Request) -> bytes:
        if request.content_length is not None and request.content_length > self._max_body:
            raise _Refusal(413, "ERROR_UNKNOWN", f"the body is over {self._max_body} bytes")
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self._max_body:
                raise _Refusal(413, "ERROR_UNKNOWN", f"the body is over {self._max_body} bytes")
        return bytes(body)

    def _verify(self, request: web.Request, body: bytes) -> None:
        if self._secret is None:
            return
        header = request.headers.get("X-Ozon-Signature", "")
        expected = "sha256=" + hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(header.strip().lower().encode(), expected.encode()):
            raise _Refusal(401, "ERROR_UNKNOWN", "missing or wrong X-Ozon-Signature")

    def _handle(self, payload: dict[str, Any]) -> dict[str, Any]:
        kind = payload["message_type"]
        if kind == "TYPE_PING":
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            return {"version": self._version, "name": self._name, "time": now}
        event = _chat_event(kind, payload)
        if event is not None:
            self._sink.accept(event)
        return {"result": True}


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise _Refusal(400, "ERROR_UNKNOWN", "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise _Refusal(400, "ERROR_UNKNOWN", "the body is not a JSON object")
    if not isinstance(payload.get("message_type"), str):
        raise _Refusal(400, "ERROR_PARAMETER_VALUE_MISSED", "message_type is missing")
    return payload


def _chat_event(kind: str, payload: dict[str, Any]) -> PushEvent | None:
    """The core's event for a chat push; None for types the bridge does not use."""
    if kind not in _CHAT_EVENTS:
        return None
    core_kind, id_field = _CHAT_EVENTS[kind]
    chat_id = payload.get("chat_id")
    if not isinstance(chat_id, str) or not chat_id.strip():
        raise _Refusal(400, "ERROR_PARAMETER_VALUE_MISSED", "chat_id is missing")
    message_id = None
    if id_field is not None:
        try:
            message_id = canonical_id(payload.get(id_field))
        except (TypeError, ValueError):
            raise _Refusal(400, "ERROR_PARAMETER_VALUE_MISSED", f"{id_field} is missing") from None
    chat_type = payload.get("chat_type")
    if chat_type is not None and fold_enum(str(chat_type)) not in BUYER_CHAT_TYPES:
        return None  # support and notification chats are never bridged
    return PushEvent(core_kind, chat_id.strip(), message_id)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "details": None}}, status=status
    )
