"""The HTTP side of the bridge: Ozon's push notifications and `/healthz`, on one aiohttp server.

Ozon suspends pushes to a URL that answers slowly or wrongly, so a push is checked, handed to the
core's queue (`PushSink.accept`, which never waits) and answered at once; the work happens
afterwards. Answers are always JSON: `TYPE_PING` gets `{version, name, time}`, other types
`{"result": true}`, errors Ozon's `{"error": {"code", "message", "details"}}`.

Guarding the door, in this order: the client address must be in `allowed` (it comes from
`X-Forwarded-For` only when the direct peer is a trusted proxy), the body must fit in `max_body`,
with `hmac_secret` an `X-Ozon-Signature: sha256=<hex>` over the raw body must match (compared in
constant time), and the body must be a JSON object with the fields its `message_type` needs.
No bad request reaches the queue or costs a 5xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientError, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.events import HealthReport, PushEvent, PushKind, PushSink
from bot.ozon import BUYER_CHAT_TYPES, canonical_id, fold_enum

log = logging.getLogger("bot.push")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

UNKNOWN = "ERROR_UNKNOWN"
MISSED = "ERROR_PARAMETER_VALUE_MISSED"
SIGNATURE_HEADER = "X-Ozon-Signature"

_MAX_ID_LENGTH = 256
_MAX_UINT64 = 2**64 - 1

# Ozon's type -> (the core's kind, the field naming the message id, if the event carries one).
_CHAT_EVENTS: dict[str, tuple[PushKind, str | None]] = {
    "TYPE_NEW_MESSAGE": ("new_message", "message_id"),
    "TYPE_UPDATE_MESSAGE": ("update_message", "message_id"),
    "TYPE_MESSAGE_READ": ("message_read", "last_read_message_id"),
    "TYPE_CHAT_CLOSED": ("chat_closed", None),
}


class _Refusal(Exception):
    """A request answered with an error: its HTTP status, Ozon's error code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PushServer:
    """Serves `POST {path}` for Ozon's pushes (when enabled) and `GET /healthz` (always)."""

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
        read_timeout: float = 10.0,
        health_timeout: float = 5.0,
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
        self._read_timeout = read_timeout
        self._health_timeout = health_timeout
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when it was started with port 0)."""
        if self._bound_port is None:
            raise RuntimeError("the push server is not started")
        return self._bound_port

    async def start(self) -> None:
        """Bind and start serving; raises `OSError` when the address is taken."""
        if self._runner is not None:
            raise RuntimeError("the push server is already started")
        # aiohttp's own limit sits above ours so that an oversized body is always our clean 413.
        app = web.Application(client_max_size=self._max_body + 1, middlewares=[self._guard])
        app.router.add_get("/healthz", self._healthz)
        if self._enabled:
            app.router.add_post(self._path, self._push)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=2.0,
            lingering_time=2.0,  # how long an unread body is drained after a refusal
            logger=_ProtocolLog(),
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self._bound_port = int(addresses[0][1]) if addresses else self._port
        push = "on" if self._enabled else "off"
        log.info("http server listening on %s:%s, push %s", self._host, self._bound_port, push)

    async def close(self) -> None:
        """Stop serving; safe to call twice or before `start`."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Render aiohttp's own refusals (404, 405, ...) and any bug as JSON, never as HTML."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            where = f"{request.method} {request.path} from {request.remote}"
            log.info("%s refused: %s %s", where, exc.status, exc.reason)
            return _error(exc.status, UNKNOWN, exc.reason)
        except Exception:
            log.exception("%s %s from %s failed", request.method, request.path, request.remote)
            return _error(500, UNKNOWN, "internal error")

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(self._health_timeout):
                report = await self._health()
        except Exception as exc:  # noqa: BLE001 - a health check answers, whatever happens
            log.warning("health check failed: %s", type(exc).__name__)
            return _json({"status": "unavailable", "reason": type(exc).__name__}, 503)
        details = {k: v for k, v in report.details.items() if k not in ("status", "reason")}
        if report.ok:
            answer: dict[str, Any] = {"status": "ok", **details}
        else:
            answer = {"status": "unavailable", "reason": report.reason, **details}
        try:
            return _json(answer, 200 if report.ok else 503)
        except (TypeError, ValueError) as exc:  # details that are not JSON
            log.warning("health details could not be encoded: %s", type(exc).__name__)
            return _json({"status": "unavailable", "reason": type(exc).__name__}, 503)

    async def _push(self, request: web.Request) -> web.Response:
        client = self._client_address(request)
        try:
            if client is None or not any(client in net for net in self._allowed):
                raise _Refusal(403, UNKNOWN, "this address may not push")
            body = await self._read(request)
            self._verify(request, body)
            payload = _parse(body)
            kind = payload["message_type"]
            if kind == "TYPE_PING":
                return _json({"version": self._version, "name": self._name, "time": _now()}, 200)
            event = _chat_event(kind, payload)
        except _Refusal as refusal:
            level = logging.INFO if refusal.status == 408 else logging.WARNING
            who = client or request.remote
            hint = self._proxy_hint(request, client) if refusal.status == 403 else ""
            log.log(level, "push from %s refused: %s %s%s", who, refusal.status, refusal, hint)
            answer = _error(refusal.status, refusal.code, str(refusal))
            if refusal.status in (400, 408, 413) and not request.content.is_eof():
                answer.force_close()  # the rest of the body is not worth waiting for
            return answer
        if event is not None:
            try:
                self._sink.accept(event)
            except Exception:
                log.exception("push from %s: chat %s could not be queued", client, event.chat_id)
                return _error(500, UNKNOWN, "the event could not be queued")
            log.debug("push from %s: %s for chat %s queued", client, event.kind, event.chat_id)
        return _json({"result": True}, 200)

    def _client_address(self, request: web.Request) -> Address | None:
        """The peer, or behind a trusted proxy the last forwarded hop that is not a proxy."""
        peer = _address(request.remote or "")
        if peer is None or not self._is_trusted(peer):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for hop in header.split(",")
        ]
        for hop in reversed([h for h in hops if h]):
            address = _address(hop)
            if address is None:
                return None  # a hop we cannot read: refuse rather than guess
            if not self._is_trusted(address):
                return address
        return peer

    def _proxy_hint(self, request: web.Request, client: Address | None) -> str:
        """What to set when the refused address is a reverse proxy's, not Ozon's: every push,
        Ozon's ping included, is refused until PUSH_TRUSTED_PROXIES names the proxy."""
        peer = _address(request.remote or "")
        if peer is None or peer != client or self._is_trusted(peer):
            return ""  # a trusted proxy forwarded this client: the client is refused
        proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
        if not (proxied or peer.is_private):
            return ""
        return (
            f" (if a reverse proxy at {peer} forwards Ozon's pushes, add it to "
            "PUSH_TRUSTED_PROXIES so that the address it forwards is checked instead)"
        )

    def _is_trusted(self, address: Address) -> bool:
        return any(address in net for net in self._trusted)

    async def _read(self, request: web.Request) -> bytes:
        too_big = _Refusal(413, UNKNOWN, f"the body is over {self._max_body} bytes")
        if request.content_length is not None and request.content_length > self._max_body:
            raise too_big
        body = bytearray()
        try:
            async with asyncio.timeout(self._read_timeout):
                async for chunk in request.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > self._max_body:
                        raise too_big
        except TimeoutError:
            raise _Refusal(408, UNKNOWN, "the body was not sent in time") from None
        except (OSError, ClientError, HttpProcessingError, EOFError) as exc:
            problem = f"the body could not be read ({type(exc).__name__})"
            raise _Refusal(400, UNKNOWN, problem) from None
        return bytes(body)

    def _verify(self, request: web.Request, body: bytes) -> None:
        if self._secret is None:
            return
        scheme, _, given = request.headers.get(SIGNATURE_HEADER, "").strip().partition("=")
        try:
            signature = bytes.fromhex(given)
        except ValueError:
            signature = b""
        expected = hmac.new(self._secret, body, hashlib.sha256).digest()
        if scheme.lower() != "sha256" or not hmac.compare_digest(signature, expected):
            raise _Refusal(401, UNKNOWN, f"missing or wrong {SIGNATURE_HEADER}")


class _ProtocolLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's log for requests it refuses itself (malformed HTTP): one line, no traceback."""

    def __init__(self) -> None:
        super().__init__(log)

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        if isinstance(exc, HttpProcessingError):
            self.warning(f"{msg}: %s %s", *args, exc.code, type(exc).__name__)
        else:  # a real failure: keep the traceback
            super().exception(msg, *args, **kwargs)


def _address(text: str) -> Address | None:
    """An IP address from a peer or an `X-Forwarded-For` hop (`[v6]:port`, `v4:port` allowed)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _Refusal(400, UNKNOWN, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise _Refusal(400, UNKNOWN, "the body is not a JSON object")
    if not isinstance(payload.get("message_type"), str):
        raise _Refusal(400, MISSED, "message_type is missing")
    return payload


def _chat_event(kind: str, payload: Mapping[str, Any]) -> PushEvent | None:
    """The core's event for a chat push; None for types and chats the bridge does not use."""
    if kind not in _CHAT_EVENTS:
        return None  # postings, products, prices...: acknowledged and ignored
    core_kind, id_field = _CHAT_EVENTS[kind]
    chat_id = _chat_id(payload.get("chat_id"))
    message_id = None
    if id_field is not None:
        message_id = _message_id(payload.get(id_field))
        if message_id is None:
            raise _Refusal(400, MISSED, f"{id_field} is missing or not a message id")
    chat_type = payload.get("chat_type")
    if chat_type is not None and (
        not isinstance(chat_type, str) or fold_enum(chat_type) not in BUYER_CHAT_TYPES
    ):
        return None  # support and notification chats are never bridged
    return PushEvent(core_kind, chat_id, message_id)


def _chat_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Refusal(400, MISSED, "chat_id is missing")
    text = value.strip()
    if not text or len(text) > _MAX_ID_LENGTH or not text.isprintable():
        raise _Refusal(400, MISSED, "chat_id is missing or not a chat id")
    return text


def _message_id(value: object) -> str | None:
    try:
        text = canonical_id(value)
    except (TypeError, ValueError):  # includes numbers too long to convert
        return None
    return text if int(text) <= _MAX_UINT64 else None


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _json(payload: Mapping[str, Any], status: int) -> web.Response:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=str)
    return web.Response(text=text, status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> web.Response:
    return _json({"error": {"code": code, "message": message, "details": None}}, status)
