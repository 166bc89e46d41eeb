"""The bridge's HTTP server (aiohttp): Ozon's push notifications (when enabled) and the health
endpoints, on `PUSH_HOST:PUSH_PORT`. Every answer is JSON, aiohttp's own refusals included."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.relay.push_inbox import PushSink
from bot.ozon.push import ERROR_UNKNOWN
from bot.web.answers import error_answer, json_answer
from bot.web.health import HealthCheck, readiness
from bot.web.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.web.push import PushDoor

log = logging.getLogger("bot.push")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebServer:
    """Serves `POST {path}` for Ozon's pushes (when enabled), and always `GET /livez` (alive),
    `GET /readyz` and `GET /healthz` (ready to work; the same answer)."""

    name = "web"

    def __init__(
        self,
        *,
        sink: PushSink,
        health: HealthCheck,
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
        metrics: Callable[[], bytes] | None = None,
    ) -> None:
        self._path = path
        self._port = port
        self._host = host
        self._enabled = push_enabled
        self._version = version
        self._metrics = metrics
        self._max_body = max_body
        self._push = PushDoor(
            sink,
            allowed=allowed,
            trusted_proxies=trusted_proxies,
            hmac_secret=hmac_secret,
            version=version,
            name=name,
            max_body=max_body,
            read_timeout=read_timeout,
        )
        self._ready = readiness(health, timeout=health_timeout)
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._stopped = asyncio.Event()

    async def _alive(self, request: web.Request) -> web.Response:
        """`GET /livez`: the process and its event loop answer (what a restart can fix);
        `/readyz` (and `/healthz`) say whether the bridge can do its work."""
        return json_answer({"status": "alive", "version": self._version}, 200)

    async def _metrics_answer(self, request: web.Request) -> web.Response:
        """`GET /metrics` (METRICS_ENABLED): Prometheus' text format, read from memory."""
        assert self._metrics is not None
        return web.Response(body=self._metrics(), headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def run(self) -> None:
        """Serve (once `start` bound the port) until asked to stop, then close."""
        try:
            await self._stopped.wait()
        finally:
            await self.close()

    def stop(self) -> None:
        self._stopped.set()

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when it was started with port 0)."""
        if self._bound_port is None:
            raise RuntimeError("the web server is not started")
        return self._bound_port

    async def start(self) -> None:
        """Bind and start serving; raises `OSError` when the address is taken."""
        if self._runner is not None:
            raise RuntimeError("the web server is already started")
        # aiohttp's own limit sits above ours so that an oversized body is always our clean 413.
        app = web.Application(client_max_size=self._max_body + 1, middlewares=[_guard])
        app.router.add_get("/healthz", self._ready)
        app.router.add_get("/readyz", self._ready)
        app.router.add_get("/livez", self._alive)
        if self._metrics is not None:
            app.router.add_get("/metrics", self._metrics_answer)
        if self._enabled:
            app.router.add_post(self._path, self._push.handle)
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
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render aiohttp's own refusals (404, 405, ...) and any bug as JSON, never as HTML."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        where = f"{request.method} {request.path} from {request.remote}"
        log.info("%s refused: %s %s", where, exc.status, exc.reason)
        return error_answer(exc.status, ERROR_UNKNOWN, exc.reason)
    except Exception:
        log.exception("%s %s from %s failed", request.method, request.path, request.remote)
        return error_answer(500, ERROR_UNKNOWN, "internal error")


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
