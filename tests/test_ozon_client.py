"""OzonClient against small loopback HTTP servers; RateLimiter and RetryPolicy with fake time."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.ozon import (
    AuthProblem,
    OzonAPIError,
    OzonAuthError,
    OzonError,
    OzonForbidden,
    OzonRateLimited,
    OzonResponseError,
    OzonServerError,
    OzonTransportError,
    RateLimiter,
    RetryPolicy,
)
from bot.ozon.client import OzonClient
from bot.ozon.errors import api_error
from bot.ozon.retry import should_retry

API_KEY = "k3y-SECRET-8f2e1d"
CLIENT_ID = "123456"
MESSAGE = {"message_id": "3000000000817031942", "created_at": "2019-08-24T14:15:22Z",
           "data": ["hi"], "user": {"id": "115568", "type": "Сustomer"}}  # fmt: skip


def fast_retry(attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=attempts, base_delay=0.001, max_delay=0.005, rng=random.Random(7)
    )


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def error(status: int, code: int, message: str, **headers: str) -> Reply:
    return Reply(status, {"code": code, "message": message, "details": []}, headers)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any


class FakeOzon:
    """Answers each path from a script (the last reply repeats) and records every request."""

    def __init__(self) -> None:
        self.url = ""
        self.scripts: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path] = list(replies)

    def count(self, path: str) -> int:
        return sum(1 for request in self.seen if request.path == path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.seen.append(Seen(request.path, dict(request.headers), raw, json.loads(raw)))
        queue = self.scripts.get(request.path) or [Reply()]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if isinstance(reply.body, bytes):
            return web.Response(status=reply.status, body=reply.body, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)


@pytest.fixture
async def ozon() -> AsyncIterator[FakeOzon]:
    fake = FakeOzon()
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[OzonClient]:
    async with OzonClient(
        ozon.url, CLIENT_ID, API_KEY, rate_per_second=1000, timeout=2.0, retry=fast_retry()
    ) as c:
        yield c


async def test_list_chats_request_and_quirky_answer(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v3/chat/list", Reply(body={
        "chats": [{"chat": {"chat_id": "b1", "chat_status": "Opened", "chat_type": "Buyer_Seller",
                            "created_at": "2022-07-22T08:07:19.581Z"},
                   "first_unread_message_id": "3000000000118021931",
                   "last_message_id": "30000000001280042740", "unread_count": 1}],
        "total_unread_count": 5, "cursor": "30000002342123123", "has_next": "true"}))  # fmt: skip
    page = await client.list_chats(status="opened", unread_only=True, limit=10, cursor="c0")
    assert page.has_next
    assert page.chats[0].last_message_id == "30000000001280042740"
    assert page.chats[0].is_buyer_chat
    (request,) = ozon.seen
    assert request.body == {
        "filter": {"chat_status": "OPENED", "unread_only": True},
        "limit": 10,
        "cursor": "c0",
    }
    assert request.headers["Client-Id"] == CLIENT_ID
    assert request.headers["Api-Key"] == API_KEY
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "ozon-telegram-bridge"
    assert client.request_count == 1


async def test_list_chats_validates_arguments(client: OzonClient) -> None:
    with pytest.raises(ValueError, match="limit"):
        await client.list_chats(limit=101)
    with pytest.raises(ValueError, match="status"):
        await client.list_chats(status="NEW")
    assert client.request_count == 0


async def test_iter_chats_pages_until_has_next_is_false(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script(
        "/v3/chat/list",
        Reply(body={"chats": [{"chat": {"chat_id": "a"}}], "cursor": "p2", "has_next": True}),
        Reply(body={"chats": [{"chat": {"chat_id": "b"}}], "cursor": "p3", "has_next": "false"}),
    )
    assert [chat.chat_id async for chat in client.iter_chats(limit=1)] == ["a", "b"]
    assert [request.body.get("cursor") for request in ozon.seen] == [None, "p2"]


async def test_iter_chats_stops_when_the_cursor_stalls(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v3/chat/list", Reply(body={"chats": [], "cursor": "same", "has_next": "true"}))
    assert [chat async for chat in client.iter_chats()] == []
    assert ozon.count("/v3/chat/list") == 2


async def test_chat_history_sends_big_ids_as_exact_integers(
    ozon: FakeOzon, client: OzonClient
) -> None:
    ozon.script("/v3/chat/history", Reply(body={"has_next": "false", "messages": [MESSAGE]}))
    page = await client.chat_history(
        "chat-1",
        direction="Forward",
        from_message_id="30000000001280042740",
        limit=100,
        message_ids=["3000000300211559667"],
    )
    assert page.messages[0].message_id == "3000000000817031942"
    assert page.messages[0].author == "CUSTOMER"
    (request,) = ozon.seen
    assert b'"from_message_id": 30000000001280042740' in request.raw
    assert request.body == {
        "chat_id": "chat-1",
        "direction": "Forward",
        "limit": 100,
        "from_message_id": 30000000001280042740,
        "filter": {"message_ids": ["3000000300211559667"]},
    }


async def test_forward_without_from_message_id_is_refused(client: OzonClient) -> None:
    with pytest.raises(ValueError, match="from_message_id"):
        await client.chat_history("chat-1", direction="Forward")
    assert client.request_count == 0


async def test_writes_send_the_documented_bodies(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v2/chat/read", Reply(body={"unread_count": 3}))
    ozon.script("/v1/chat/start", Reply(body={"result": {"chat_id": "new-chat"}}))
    ozon.script("/v1/chat/send/message", Reply(body={"result": "success"}))
    ozon.script("/v1/notification/delete", Reply(body=b""))
    await client.send_message("c", "x" * 1000)
    await client.send_file("c", b"\x89PNG", "a.png")
    assert await client.mark_read("c", "3000000000118032000") == 3
    assert await client.start_chat("47873153-0052-1") == "new-chat"
    await client.notification_delete(5)
    bodies = {request.path: request.body for request in ozon.seen}
    assert bodies["/v1/chat/send/message"] == {"chat_id": "c", "text": "x" * 1000}
    assert bodies["/v1/chat/send/file"] == {"chat_id": "c", "base64_content": "iVBORw==",
                                            "name": "a.png"}  # fmt: skip
    assert bodies["/v2/chat/read"] == {"chat_id": "c", "from_message_id": 3000000000118032000}
    assert bodies["/v1/chat/start"] == {"posting_number": "47873153-0052-1"}
    assert bodies["/v1/notification/delete"] == {"id": 5}


@pytest.mark.parametrize("text", ["", "x" * 1001])
async def test_send_message_length_is_checked_first(client: OzonClient, text: str) -> None:
    with pytest.raises(ValueError, match=r"1\.\.1000"):
        await client.send_message("c", text)
    assert client.request_count == 0


async def test_roles(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v1/roles", Reply(body={"roles": [{"name": "Chat", "methods": [
        "/v3/chat/list", "/v3/chat/history"]}], "expires_at": "2026-01-01T00:00:00Z"}))  # fmt: skip
    info = await client.roles()
    assert info.has_chat_access
    assert not info.can_send
    assert ozon.seen[0].body == {}


@pytest.mark.parametrize(
    "body", [b"<html>oops</html>", {"messages": 5}, {"messages": [], "has_next": "perhaps"}]
)
async def test_unexpected_2xx_body(ozon: FakeOzon, client: OzonClient, body: Any) -> None:
    ozon.script("/v3/chat/history", Reply(body=body))
    with pytest.raises(OzonResponseError) as caught:
        await client.chat_history("c")
    assert caught.value.path == "/v3/chat/history"
    assert client.request_count == 1


async def test_an_unreadable_entry_is_left_out_and_logged(
    ozon: FakeOzon, client: OzonClient, caplog: pytest.LogCaptureFixture
) -> None:
    fine = {"message_id": "7", "created_at": "2026-01-01T00:00:00Z", "data": ["Привет"]}
    ozon.script("/v3/chat/history", Reply(body={"messages": [{"message_id": "x"}, fine]}))
    page = await client.chat_history("c")
    assert [m.message_id for m in page.messages] == ["7"]
    (line,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "1 message(s)" in line
    assert "chat c, message without a readable id" in line
    # Read again (a retry, a reconciliation): the operator was told already.
    ozon.script("/v3/chat/history", Reply(body={"messages": [{"message_id": "x"}, fine]}))
    await client.chat_history("c")
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1


async def test_429_honours_retry_after_then_succeeds(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script(
        "/v3/chat/list",
        error(429, 8, "You have reached request rate limit per second", **{"Retry-After": "0.2"}),
        Reply(body={"chats": [], "has_next": False}),
    )
    started = time.monotonic()
    await client.list_chats()
    assert time.monotonic() - started >= 0.2
    assert ozon.count("/v3/chat/list") == 2


async def test_429_pauses_every_caller(ozon: FakeOzon) -> None:
    ozon.script("/v1/chat/send/message", error(429, 8, "rate limit", **{"Retry-After": "0.3"}))
    async with OzonClient(ozon.url, CLIENT_ID, API_KEY, retry=fast_retry(1)) as single:
        started = time.monotonic()
        with pytest.raises(OzonRateLimited) as caught:
            await single.send_message("c", "hi")
        assert caught.value.retry_after == pytest.approx(0.3)
        await single.roles()  # another method, another caller: it waits out the same pause
        assert time.monotonic() - started >= 0.3
    assert len(ozon.seen) == 2


async def test_429_is_retried_for_sends(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script(
        "/v1/chat/send/message",
        error(429, 8, "rate limit", **{"Retry-After": "0"}),
        Reply(body={"result": "success"}),
    )
    await client.send_message("c", "hi")
    assert ozon.count("/v1/chat/send/message") == 2


async def test_5xx_is_retried_for_reads(
    ozon: FakeOzon, client: OzonClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.ozon")
    ozon.script(
        "/v3/chat/history",
        error(503, 14, "unavailable"),
        error(500, 13, "internal"),
        Reply(body={"messages": [MESSAGE]}),
    )
    page = await client.chat_history("c")
    assert len(page.messages) == 1
    assert ozon.count("/v3/chat/history") == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.ozon"]
    assert len(lines) == 2
    assert "/v3/chat/history" in lines[0]
    assert "HTTP 503" in lines[0]
    assert " s" in lines[0]


async def test_5xx_exhausts_attempts_for_reads(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v3/chat/list", error(500, 13, "internal"))
    with pytest.raises(OzonServerError) as caught:
        await client.list_chats()
    assert caught.value.status == 500
    assert caught.value.code == 13
    assert ozon.count("/v3/chat/list") == 3


async def test_5xx_is_not_retried_for_send_message(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v1/chat/send/message", error(502, 13, "bad gateway"))
    with pytest.raises(OzonServerError) as caught:
        await client.send_message("c", "hi")
    assert caught.value.outcome_unknown
    assert ozon.count("/v1/chat/send/message") == 1


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_connect_error_is_retried_for_sends() -> None:
    async with OzonClient(closed_port_url(), CLIENT_ID, API_KEY, retry=fast_retry(4)) as c:
        with pytest.raises(OzonTransportError) as caught:
            await c.send_message("c", "hi")
        assert not caught.value.may_have_arrived
        assert not caught.value.outcome_unknown
        assert c.request_count == 4


class FailFirstConnect(httpx.AsyncBaseTransport):
    """Refuse the first connection, then pass requests to a real transport."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.failed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.failed:
            self.failed = True
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_send_succeeds_after_a_connect_error(ozon: FakeOzon) -> None:
    async with OzonClient(
        ozon.url, CLIENT_ID, API_KEY, retry=fast_retry(), transport=FailFirstConnect()
    ) as c:
        await c.send_message("c", "hi")
        assert c.request_count == 2
    assert ozon.count("/v1/chat/send/message") == 1


async def test_read_timeout_is_not_retried_for_sends(ozon: FakeOzon) -> None:
    ozon.script("/v1/chat/send/message", Reply(body={"result": "success"}, delay=5))
    async with OzonClient(ozon.url, CLIENT_ID, API_KEY, timeout=0.2, retry=fast_retry()) as c:
        with pytest.raises(OzonTransportError) as caught:
            await c.send_message("c", "hi")
    assert caught.value.may_have_arrived
    assert caught.value.outcome_unknown
    assert ozon.count("/v1/chat/send/message") == 1


async def test_read_timeout_is_retried_for_reads(ozon: FakeOzon) -> None:
    ozon.script("/v3/chat/list", Reply(delay=5))
    async with OzonClient(ozon.url, CLIENT_ID, API_KEY, timeout=0.1, retry=fast_retry(2)) as c:
        with pytest.raises(OzonTransportError):
            await c.list_chats()
    assert ozon.count("/v3/chat/list") == 2


P = AuthProblem
AUTH_CASES = [
    (401, 16, "Invalid Api-Key, please contact support", P.INVALID_CREDENTIALS, "Client-Id"),
    (403, 7, "Client-Id and Api-Key headers are required", P.INVALID_CREDENTIALS, "OZON_API_KEY"),
    (403, 7, "Неверный API-ключ", P.INVALID_CREDENTIALS, "OZON_CLIENT_ID"),
    (403, 16, "Api-key is deactivated", P.KEY_EXPIRED, "3 months"),
    (401, 16, "API key expired", P.KEY_EXPIRED, "Create a new key"),
    (403, 7, "Срок действия ключа истек", P.KEY_EXPIRED, "3 months"),
    (403, 7, "You have no access to this method", P.MISSING_ROLE, "chat role"),
    (403, 7, "Api-key has no role for the method", P.MISSING_ROLE, "/v3/chat/list"),
    (403, 7, "Permission denied for this key", P.MISSING_ROLE, "chat role"),
    (403, 7, "У ключа нет доступа к методу", P.MISSING_ROLE, "chat role"),
    (403, 7, "Access denied from IP 203.0.113.7", P.IP_RESTRICTED, "IP"),
    (403, 7, "Request from 203.0.113.7 is not allowed", P.IP_RESTRICTED, "IP"),
    (401, 16, "Unauthorized", P.UNKNOWN, "OZON_API_KEY"),
]


@pytest.mark.parametrize("case", AUTH_CASES, ids=[case[2][:30] for case in AUTH_CASES])
async def test_auth_errors_are_classified_and_not_retried(
    ozon: FakeOzon, client: OzonClient, case: tuple[int, int, str, AuthProblem, str]
) -> None:
    status, code, message, kind, hint = case
    ozon.script("/v3/chat/list", error(status, code, message))
    with pytest.raises(OzonAuthError) as caught:
        await client.list_chats()
    exc = caught.value
    assert exc.kind is kind
    assert hint in exc.explanation
    assert exc.explanation in str(exc)
    assert (exc.status, exc.code, exc.message, exc.path) == (status, code, message, "/v3/chat/list")
    assert not exc.is_retriable
    assert ozon.count("/v3/chat/list") == 1


@pytest.mark.parametrize(
    "message", ["Premium Plus subscription is required", "Offer not signed", "Chat is closed"]
)
async def test_other_403_stay_forbidden(ozon: FakeOzon, client: OzonClient, message: str) -> None:
    ozon.script("/v1/chat/send/message", error(403, 7, message))
    with pytest.raises(OzonForbidden) as caught:
        await client.send_message("c", "hi")
    assert not isinstance(caught.value, OzonAuthError)
    assert message in str(caught.value)


async def test_error_without_json_body(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.script("/v1/chat/start", Reply(404, b"no such posting"))
    with pytest.raises(OzonAPIError) as caught:
        await client.start_chat("1-2")
    assert caught.value.status == 404
    assert caught.value.code is None
    assert caught.value.message == "no such posting"


async def test_the_api_key_never_leaks(
    ozon: FakeOzon, client: OzonClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ozon.script("/v3/chat/list", error(500, 13, f"boom for key {API_KEY}"))
    ozon.script("/v1/roles", error(401, 16, f"Invalid Api-Key {API_KEY}"))
    ozon.script("/v1/chat/send/message", error(429, 8, "slow", **{"Retry-After": "0"}))
    errors: list[BaseException] = []
    for call in (client.list_chats, client.roles, lambda: client.send_message("c", "x")):
        with pytest.raises(OzonError) as caught:
            await call()
        errors.append(caught.value)
    async with OzonClient(closed_port_url(), CLIENT_ID, API_KEY, retry=fast_retry(2)) as c:
        with pytest.raises(OzonTransportError) as transport_caught:
            await c.roles()
        errors.append(transport_caught.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(client)]
    texts += [str(e.__cause__) for e in errors] + [r.getMessage() for r in caplog.records]
    assert not [text for text in texts if API_KEY in text]
    assert any(r.name == "bot.ozon" for r in caplog.records)


async def test_closed_client_refuses_calls(ozon: FakeOzon) -> None:
    c = OzonClient(ozon.url, CLIENT_ID, API_KEY)
    await c.aclose()
    await c.aclose()
    assert c.closed
    with pytest.raises(RuntimeError, match="OzonClient is closed"):
        await c.list_chats()
    with pytest.raises(RuntimeError, match="OzonClient is closed"):
        async with c:
            pass
    assert ozon.seen == []


# Retry policy ---------------------------------------------------------------------------------


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, rng=random.Random(1))
    for retry in range(1, 12):
        cap = min(4.0, 0.5 * 2 ** (retry - 1))
        assert all(0 <= policy.delay(retry) <= cap for _ in range(50))
    exact = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=False)
    assert [exact.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert exact.delay(10_000) == 4.0


def test_backoff_honours_retry_after() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, max_retry_after=120, jitter=False)
    assert policy.delay(1, retry_after=10) == 10
    assert policy.delay(4, retry_after=1) == 4.0  # the larger of the two
    assert policy.delay(1, retry_after=600) == 120


def test_backoff_is_reproducible_with_a_seed() -> None:
    first = RetryPolicy(rng=random.Random(3))
    second = RetryPolicy(rng=random.Random(3))
    assert [first.delay(n) for n in range(1, 6)] == [second.delay(n) for n in range(1, 6)]


def test_what_is_retried() -> None:
    def api(status: int, code: int = 0, message: str = "") -> OzonError:
        return api_error(status, code, message, path="/p")

    never_sent = OzonTransportError("refused", path="/p", may_have_arrived=False)
    maybe_sent = OzonTransportError("timeout", path="/p", may_have_arrived=True)
    for read in (True, False):
        assert should_retry(api(429), read)
        assert should_retry(never_sent, read)
        assert not should_retry(api(401, 16, "Invalid Api-Key"), read)
        assert not should_retry(api(400), read)
        assert not should_retry(api(409), read)
    assert should_retry(api(500), True)
    assert not should_retry(api(500), False)
    assert should_retry(maybe_sent, True)
    assert not should_retry(maybe_sent, False)


# Rate limiter ---------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def fake_limiter(rate: float, burst: int | None = None) -> tuple[RateLimiter, FakeTime]:
    fake = FakeTime()
    return RateLimiter(rate, burst, clock=fake.clock, sleep=fake.sleep), fake


def most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window - 1e-9) for start in times)


async def acquire_all(
    limiter: RateLimiter, fake: FakeTime, n: int
) -> tuple[list[float], list[int]]:
    times: list[float] = []
    order: list[int] = []

    async def one(i: int) -> None:
        async with limiter:
            times.append(fake.now)
            order.append(i)

    await asyncio.gather(*(one(i) for i in range(n)))
    return times, order


async def test_limiter_keeps_to_its_rate_in_fifo_order() -> None:
    limiter, fake = fake_limiter(10)
    times, order = await acquire_all(limiter, fake, 50)
    assert order == list(range(50))
    assert most_in_any_window(times, 1.0) == 10
    assert times[-1] == pytest.approx(4.9)


async def test_limiter_burst() -> None:
    limiter, fake = fake_limiter(10, burst=5)
    times, _ = await acquire_all(limiter, fake, 25)
    assert times[:5] == [0.0] * 5
    assert times[5] == pytest.approx(0.1)
    assert most_in_any_window(times, 1.0) <= 15
    assert times[-1] == pytest.approx(2.0)


async def test_limiter_pause_holds_everyone_then_restarts_evenly() -> None:
    limiter, fake = fake_limiter(10, burst=5)
    await limiter.acquire()
    limiter.pause_until(3.0)
    limiter.pause_until(1.0)  # an earlier deadline never shortens a pause
    times, _ = await acquire_all(limiter, fake, 3)
    assert times == pytest.approx([3.0, 3.1, 3.2])


async def test_limiter_pause_reaches_a_waiter_already_queued() -> None:
    limiter, fake = fake_limiter(1)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.pause_for(10)
    await waiter
    assert fake.now >= 10


@pytest.mark.parametrize(("rate", "burst"), [(0, None), (-1, None), (1, 0)])
def test_limiter_rejects_bad_settings(rate: float, burst: int | None) -> None:
    with pytest.raises(ValueError, match="must"):
        RateLimiter(rate, burst)
