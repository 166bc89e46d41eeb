"""`POST {PUSH_PATH}`: Ozon's push notifications, checked at the door, queued, answered at once.

Ozon suspends pushes to a URL that answers slowly or wrongly, so a push is checked, handed to the
core's queue (`PushSink.accept`, which never waits) and answered; the work happens afterwards.
The door's checks, in this order: the client address must be in `allowed` (it comes from
`X-Forwarded-For` only when the direct peer is a trusted proxy), the body must fit in `max_body`,
with `hmac_secret` an `X-Ozon-Signature: sha256=<hex>` over the raw body must match (compared in
constant time), and the body must be a JSON object with the fields its `message_type` needs
(`bot.ozon.push`). No bad request reaches the queue or costs a 5xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Sequence

from aiohttp import ClientError, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.relay.push_inbox import PushSink
from bot.ozon.push import ERROR_UNKNOWN, PING, PushRefused, chat_event, parse_push, ping_answer
from bot.web.answers import error_answer, json_answer

log = logging.getLogger("bot.push")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SIGNATURE_HEADER = "X-Ozon-Signature"


class PushDoor:
    def __init__(
        self,
        sink: PushSink,
        *,
        allowed: Sequence[Network],
        trusted_proxies: Sequence[Network] = (),
        hmac_secret: str | None = None,
        version: str,
        name: str,
        max_body: int,
        read_timeout: float,
    ) -> None:
        self._sink = sink
        self._allowed = tuple(allowed)
        self._trusted = tuple(trusted_proxies)
        self._secret = hmac_secret.encode() if hmac_secret else None
        self._version = version
        self._name = name
        self._max_body = max_body
        self._read_timeout = read_timeout

    async def handle(self, request: web.Request) -> web.Response:
        client = self._client_address(request)
        try:
            if client is None or not any(client in net for net in self._allowed):
                raise PushRefused(403, ERROR_UNKNOWN, "this address may not push")
            body = await self._read(request)
            self._verify(request, body)
            payload = parse_push(body)
            if payload["message_type"] == PING:
                return json_answer(ping_answer(self._version, self._name), 200)
            event = chat_event(payload)
        except PushRefused as refusal:
            return self._refused(request, client, refusal)
        if event is not None:
            try:
                self._sink.accept(event)
            except Exception:
                log.exception("push from %s: chat %s could not be queued", client, event.chat_id)
                return error_answer(500, ERROR_UNKNOWN, "the event could not be queued")
            log.debug("push from %s: %s for chat %s queued", client, event.kind, event.chat_id)
        return json_answer({"result": True}, 200)

    def _refused(
        self, request: web.Request, client: Address | None, refusal: PushRefused
    ) -> web.Response:
        level = logging.INFO if refusal.status == 408 else logging.WARNING
        who = client or request.remote
        hint = self._proxy_hint(request, client) if refusal.status == 403 else ""
        log.log(level, "push from %s refused: %s %s%s", who, refusal.status, refusal, hint)
        answer = error_answer(refusal.status, refusal.code, str(refusal))
        if refusal.status in (400, 408, 413) and not request.content.is_eof():
            answer.force_close()  # the rest of the body is not worth waiting for
        return answer

    def _client_address(self, request: web.Request) -> Address | None:
        """The peer, or behind a trusted proxy the last forwarded hop that is not a proxy."""
        peer = address_of(request.remote or "")
        if peer is None or not self._is_trusted(peer):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for hop in header.split(",")
        ]
        for hop in reversed([h for h in hops if h]):
            address = address_of(hop)
            if address is None:
                return None  # a hop we cannot read: refuse rather than guess
            if not self._is_trusted(address):
                return address
        return peer

    def _proxy_hint(self, request: web.Request, client: Address | None) -> str:
        """What to set when the refused address is a reverse proxy's, not Ozon's: every push,
        Ozon's ping included, is refused until PUSH_TRUSTED_PROXIES names the proxy."""
        peer = address_of(request.remote or "")
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
        too_big = PushRefused(413, ERROR_UNKNOWN, f"the body is over {self._max_body} bytes")
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
            raise PushRefused(408, ERROR_UNKNOWN, "the body was not sent in time") from None
        except (OSError, ClientError, HttpProcessingError, EOFError) as exc:
            problem = f"the body could not be read ({type(exc).__name__})"
            raise PushRefused(400, ERROR_UNKNOWN, problem) from None
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
            raise PushRefused(401, ERROR_UNKNOWN, f"missing or wrong {SIGNATURE_HEADER}")


def address_of(text: str) -> Address | None:
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
