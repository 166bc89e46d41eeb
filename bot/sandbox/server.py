"""The stand-in's HTTP side: an aiohttp server on 127.0.0.1 and the pipeline every request goes
through (record, outage, method, rate limit, injected faults, path, credentials, body, handler)."""

from __future__ import annotations

import asyncio
import mimetypes
import traceback
from collections.abc import Mapping, Sequence
from typing import Self

from aiohttp import web

from bot.sandbox.chat_methods import ChatMethods
from bot.sandbox.faults import DropConnection, FaultInjection
from bot.sandbox.model import (
    MSG_EXPIRED,
    MSG_IP_RESTRICTED,
    MSG_NO_CHAT_ROLE,
    REMOVED_METHODS,
    Json,
    RecordedRequest,
    Validator,
    iso,
    ok,
    parse_json,
    rpc_error,
)
from bot.sandbox.notifications import NotificationMethods
from bot.sandbox.orders import OrderMethods
from bot.sandbox.questions import QuestionMethods
from bot.sandbox.ratings import RatingMethods
from bot.sandbox.reviews import ReviewMethods
from bot.sandbox.state import Handler

_EMPTY_BODY_OK = frozenset(
    {"/v1/roles", "/v1/notification/push-type/list", "/v2/review/count", "/v1/question/count"}
)
"""Methods without a request body upstream: an empty body is as good as `{}`."""


class OzonStandIn(
    ChatMethods,
    NotificationMethods,
    RatingMethods,
    OrderMethods,
    ReviewMethods,
    QuestionMethods,
    FaultInjection,
):
    """A stateful loopback stand-in for the Ozon Seller API: `async with OzonStandIn() as ozon:`,
    clients use `ozon.url`.

    `validate` checks each request body against a specification; what it finds is answered 400
    and kept in `spec_violations`. `examples` answers methods the stand-in has no handler for
    (path to a canned 200 body); any other path is a 404, as Ozon answers it.
    """

    def __init__(
        self,
        client_id: str = "100500",
        api_key: str = "test-ozon-key",
        *,
        quirks: bool = True,
        history_forward_inclusive: bool = True,
        seed: int = 0,
        validate: Validator | None = None,
        examples: Mapping[str, Json] | None = None,
        other_roles: Sequence[Json] = (),
        push_types: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            client_id=client_id,
            api_key=api_key,
            quirks=quirks,
            history_forward_inclusive=history_forward_inclusive,
            seed=seed,
            other_roles=other_roles,
            push_types=push_types,
        )
        self._validate = validate
        self._examples: Mapping[str, Json] = examples or {}
        self._runner: web.AppRunner | None = None
        self._groups = (
            self._chat_methods(),
            self._notification_methods(),
            self._rating_methods(),
            self._order_methods(),
            self._product_methods(),
            self._review_methods(),
            self._question_methods(),
        )
        self._handlers: dict[str, Handler] = {"/v1/roles": self._roles}
        for group in self._groups:
            self._handlers.update(group.handlers)

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing.set()  # wakes requests sleeping in latency or simulated timeouts
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---- request pipeline ------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        record = RecordedRequest(
            path=request.path,
            body=parse_json(raw)[1],
            headers={k.title(): v for k, v in request.headers.items()},
            method=request.method,
        )
        self.requests.append(record)
        try:
            response = await self._pipeline(request, raw)
        except DropConnection:
            # Closing the transport makes aiohttp's write fail and end the connection quietly.
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        except Exception:  # noqa: BLE001 - a stand-in bug is answered 500 and kept for the tests
            self.internal_errors.append(traceback.format_exc())
            response = rpc_error(500, "internal error")
        record.status = response.status
        return response

    async def _pipeline(self, request: web.Request, raw: bytes) -> web.StreamResponse:
        path = request.path
        if path.startswith("/files/") and request.method in {"GET", "HEAD"}:
            return self._serve_file(path)
        await self._sleep(self.latency)
        refusal = self._gate(request)
        if refusal is None:
            refusal = await self._injected(path)
        if refusal is None:
            refusal = self._unknown_path(path)
        if refusal is None:
            refusal = self._auth_error(request, path)
        if refusal is None:
            refusal = self._body_error(request, raw)
        if refusal is not None:
            return refusal
        body: Json = {} if not raw.strip() else parse_json(raw)[1]
        handler = self._handlers.get(path)
        if handler is None:
            return ok(self._examples[path])
        response = await handler(body)
        self._drop_after_apply(path)
        return response

    def _gate(self, request: web.Request) -> web.Response | None:
        """Refusals that come before Ozon looks at the request: outage, method, rate limit."""
        if self.down:
            return rpc_error(503, "service unavailable")
        if request.method != "POST":
            return self._violation(request.path, f"method {request.method} is not allowed", 405)
        return self._rate_limited()

    def _unknown_path(self, path: str) -> web.Response | None:
        if path in self._handlers or path in self._examples:
            return None
        problem = f"{path} was removed by Ozon" if path in REMOVED_METHODS else "unknown method"
        return self._violation(path, problem, 404, "Not Found")

    def _body_error(self, request: web.Request, raw: bytes) -> web.Response | None:
        """Malformed JSON, a wrong Content-Type or a body the specification does not allow."""
        path = request.path
        if not raw.strip():
            if path in _EMPTY_BODY_OK:
                return None
            return self._violation(path, "empty body, a JSON object is required")
        parsed, body = parse_json(raw)
        if not parsed:
            return self._violation(path, "malformed JSON body")
        if request.content_type != "application/json":
            return self._violation(path, f"Content-Type {request.content_type!r} is not JSON")
        if not isinstance(body, dict):
            return self._violation(path, "body must be a JSON object")
        problems = self._validate(path, body) if self._validate is not None else []
        return self._violation(path, "; ".join(problems)) if problems else None

    def _auth_error(self, request: web.Request, path: str) -> web.Response | None:
        headers = request.headers
        if (
            self.auth_mode == "invalid"
            or headers.get("Client-Id") != self.client_id
            or headers.get("Api-Key") != self.api_key
        ):
            return rpc_error(401, "Invalid Api-Key, please contact support")
        if self.auth_mode == "expired":
            return rpc_error(403, MSG_EXPIRED)
        if self.auth_mode == "ip_restricted":
            return rpc_error(403, MSG_IP_RESTRICTED)
        if any(group.refused(path) for group in self._groups):
            return rpc_error(403, MSG_NO_CHAT_ROLE)  # Ozon's words for any role the key lacks
        return None

    async def _roles(self, body: Json) -> web.Response:
        """`/v1/roles`: the roles of every group the key is not refused, then `other_roles`."""
        roles = [role for group in self._groups for role in group.roles()]
        return ok({"roles": [*roles, *self.other_roles], "expires_at": iso(self.key_expires_at)})

    def _serve_file(self, path: str) -> web.Response:
        """Pictures and files are public links, served without credentials as Ozon's are."""
        parts = path.split("/", 3)  # "", "files", token, name
        stored = self._files.get(parts[2]) if len(parts) == 4 else None
        if stored is None or stored[0] != parts[3]:
            return web.Response(status=404, text="not found")
        content_type = mimetypes.guess_type(stored[0])[0] or "application/octet-stream"
        return web.Response(body=stored[1], content_type=content_type)
