"""`bot.push.PushServer` against a real socket on 127.0.0.1: Ozon's answer shapes, the door's checks
in their order (address, size, signature, JSON, fields), `/healthz`, and random input that never
earns a 5xx nor reaches the sink."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.ops.status import HealthReport
from bot.ozon.push import PushEvent, PushKind
from bot.web import WebServer as PushServer

PATH = "/ozon/push"
MISSED = "ERROR_PARAMETER_VALUE_MISSED"
UNKNOWN = "ERROR_UNKNOWN"
MB = 1024 * 1024
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
OZON = [ipaddress.ip_network(n) for n in ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")]
CHAT = "b646d975-0c9c-4872-9f41-8b1e57181063"
BIG_ID = "3000000000817031942"  # above 2**53: must survive as an exact string

# Ozon's own examples, quirks included: `Buyer_Seller`, the id as a string, a Cyrillic `С` in
# `Сustomer` and `seller_id` as a string.
NEW_MESSAGE: dict[str, Any] = {
    "message_type": "TYPE_NEW_MESSAGE",
    "chat_id": CHAT,
    "chat_type": "Buyer_Seller",
    "message_id": BIG_ID,
    "created_at": "2022-07-18T20:58:04.528Z",
    "user": {"id": "115568", "type": "Сustomer"},
    "data": ["Текст сообщения"],
    "seller_id": "7",
}
UPDATE_MESSAGE = dict(
    NEW_MESSAGE, message_type="TYPE_UPDATE_MESSAGE", updated_at="2022-07-18T20:59:04.528Z"
)
MESSAGE_READ: dict[str, Any] = {
    "message_type": "TYPE_MESSAGE_READ",
    "chat_id": CHAT,
    "chat_type": "Buyer_Seller",
    "message_id": BIG_ID,
    "created_at": "2022-07-18T20:58:04.528Z",
    "user": {"id": "115568", "type": "Сustomer"},
    "last_read_message_id": BIG_ID,
    "seller_id": "7",
}
CHAT_CLOSED: dict[str, Any] = {
    "message_type": "TYPE_CHAT_CLOSED",
    "chat_id": CHAT,
    "chat_type": "Buyer_Seller",
    "user": {"id": "115568", "type": "Сustomer"},
    "seller_id": 7,
}


class RecordingSink:
    """A `PushSink` that remembers every event; `broken` makes `accept` raise."""

    def __init__(self) -> None:
        self.events: list[PushEvent] = []
        self.broken = False

    def accept(self, event: PushEvent) -> None:
        if self.broken:
            raise RuntimeError("queue is gone")
        self.events.append(event)


@dataclass
class SettableHealth:
    """A health function whose answer the test sets: a report, an exception or a delay."""

    report: HealthReport = field(
        default_factory=lambda: HealthReport(True, None, {"last_sync": "2025-01-01T00:00:00Z"})
    )
    error: Exception | None = None
    delay: float = 0.0

    async def __call__(self) -> HealthReport:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.report


@dataclass
class Running:
    server: PushServer
    sink: RecordingSink
    health: SettableHealth
    client: httpx.AsyncClient

    async def push(
        self, body: bytes | dict[str, Any] | list[Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.client.post(PATH, content=content, headers=headers or {})


@asynccontextmanager
async def running(**options: Any) -> AsyncIterator[Running]:
    """A started server (127.0.0.1, port 0, loopback allowed unless overridden) and a client."""
    sink, health = RecordingSink(), SettableHealth()
    arguments: dict[str, Any] = {
        "path": PATH,
        "port": 0,
        "host": "127.0.0.1",
        "allowed": LOOPBACK,
        "version": "9.8.7",
    }
    arguments.update(options)
    server = PushServer(sink=sink, health=health, **arguments)
    await server.start()
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{server.port}", timeout=10
        ) as client:
            yield Running(server, sink, health, client)
    finally:
        await server.close()


@pytest.fixture
async def srv() -> AsyncIterator[Running]:
    async with running() as it:
        yield it


def assert_error(response: httpx.Response, status: int, code: str = UNKNOWN) -> None:
    """Ozon's error shape, as JSON, with the expected status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["details"] is None
    assert set(response.json()) == {"error"}


def sign(body: bytes, secret: bytes = b"s3cret") -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


# --- Ozon's answer shapes ---------------------------------------------------------------------


async def test_ping_shape_and_speed(srv: Running) -> None:
    ping = {"message_type": "TYPE_PING", "time": "2019-08-24T14:15:22Z"}
    before = datetime.now(UTC).replace(microsecond=0)
    response = await srv.push(ping)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"version", "name", "time"}
    assert body["version"] == "9.8.7"
    assert body["name"] == "ozon-telegram-bridge"
    assert body["time"].endswith("Z")
    answered_at = datetime.fromisoformat(body["time"].replace("Z", "+00:00"))
    assert answered_at.utcoffset() == timedelta(0)
    assert before <= answered_at <= datetime.now(UTC) + timedelta(seconds=1)

    timings = []
    for _ in range(50):
        started = time.perf_counter()
        assert (await srv.push(ping)).status_code == 200
        timings.append(time.perf_counter() - started)
    print(
        f"ping round trip: median {statistics.median(timings) * 1000:.2f} ms, "
        f"max {max(timings) * 1000:.2f} ms over {len(timings)}"
    )
    assert srv.sink.events == []


async def test_ping_uses_the_configured_name() -> None:
    async with running(name="my-bridge", version="0.0.1") as it:
        body = (await it.push({"message_type": "TYPE_PING", "time": "x"})).json()
        assert (body["name"], body["version"]) == ("my-bridge", "0.0.1")


async def test_new_and_updated_messages_with_ozon_quirks(srv: Running) -> None:
    variants: list[dict[str, Any]] = [
        NEW_MESSAGE,
        UPDATE_MESSAGE,
        dict(NEW_MESSAGE, chat_type="BUYER_SELLER", message_id=int(BIG_ID), seller_id=7),
        dict(NEW_MESSAGE, chat_type="buyer_seller_select", message_id=" 0042 "),
        dict(NEW_MESSAGE, chat_type=" ВUYЕR_SЕLLЕR "),  # Cyrillic В and Е
        {k: v for k, v in NEW_MESSAGE.items() if k != "chat_type"},  # no type: assume a buyer
        dict(NEW_MESSAGE, chat_type=None),
        dict(NEW_MESSAGE, chat_id=f"  {CHAT}\n"),
    ]
    for body in variants:
        response = await srv.push(body)
        assert response.status_code == 200, body
        assert response.json() == {"result": True}
        assert response.headers["content-type"].startswith("application/json")
    assert srv.sink.events == [
        PushEvent("new_message", CHAT, BIG_ID),
        PushEvent("update_message", CHAT, BIG_ID),
        PushEvent("new_message", CHAT, BIG_ID),
        PushEvent("new_message", CHAT, "42"),
        PushEvent("new_message", CHAT, BIG_ID),
        PushEvent("new_message", CHAT, BIG_ID),
        PushEvent("new_message", CHAT, BIG_ID),
        PushEvent("new_message", CHAT, BIG_ID),
    ]


async def test_chats_other_than_buyer_chats_are_acknowledged_and_ignored(srv: Running) -> None:
    for chat_type in ("Seller_Support", "SELLER_NOTIFICATION", "Seller_Buyer", "", 5, ["x"]):
        for template in (NEW_MESSAGE, UPDATE_MESSAGE, MESSAGE_READ, CHAT_CLOSED):
            response = await srv.push(dict(template, chat_type=chat_type))
            assert response.status_code == 200, (chat_type, template["message_type"])
            assert response.json() == {"result": True}
    assert srv.sink.events == []


async def test_duplicate_pushes_are_each_answered_and_passed_on(srv: Running) -> None:
    for _ in range(3):  # Ozon retries: each answered 200; deduplication happens downstream
        response = await srv.push(NEW_MESSAGE)
        assert response.status_code == 200
        assert response.json() == {"result": True}
    assert srv.sink.events == [PushEvent("new_message", CHAT, BIG_ID)] * 3


async def test_read_and_closed_events(srv: Running) -> None:
    assert (await srv.push(MESSAGE_READ)).json() == {"result": True}
    assert (await srv.push(dict(MESSAGE_READ, last_read_message_id=17))).json() == {"result": True}
    assert (await srv.push(CHAT_CLOSED)).json() == {"result": True}
    bare_close = {"message_type": "TYPE_CHAT_CLOSED", "chat_id": "c-1"}
    assert (await srv.push(bare_close)).json() == {"result": True}
    assert srv.sink.events == [
        PushEvent("message_read", CHAT, BIG_ID),
        PushEvent("message_read", CHAT, "17"),
        PushEvent("chat_closed", CHAT, None),
        PushEvent("chat_closed", "c-1", None),
    ]


async def test_unknown_types_are_acknowledged(srv: Running) -> None:
    for body in (
        {"message_type": "TYPE_NEW_POSTING", "posting_number": "24219509-0020-1", "seller_id": 15},
        {"message_type": "TYPE_STOCKS_CHANGED", "seller_id": 15},
        {"message_type": "TYPE_SOMETHING_FROM_2030"},
        {"message_type": "type_new_message", "chat_id": CHAT, "message_id": "1"},  # not ours
        {"message_type": ""},
    ):
        response = await srv.push(body)
        assert response.status_code == 200, body
        assert response.json() == {"result": True}
    assert srv.sink.events == []


# --- guarding the door ------------------------------------------------------------------------


async def test_clients_outside_the_allowed_ranges_get_403(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.push")
    async with running(allowed=OZON) as it:
        for body in (NEW_MESSAGE, {"message_type": "TYPE_PING"}, b"not even json"):
            assert_error(await it.push(body), 403)
        # Without a trusted proxy the header is the client's word: ignored.
        assert_error(await it.push(NEW_MESSAGE, {"X-Forwarded-For": "195.34.21.10"}), 403)
        # The address is checked first: a body too big still earns the 403.
        assert_error(await it.push(b"x" * (MB + 1)), 403)
        assert (await it.client.get("/healthz")).status_code == 200  # not address-restricted
        assert it.sink.events == []
    refusals = [r for r in caplog.records if r.name == "bot.push" and "403" in r.getMessage()]
    assert refusals
    assert "127.0.0.1" in refusals[0].getMessage()
    assert refusals[0].levelno in (logging.INFO, logging.WARNING)
    # A refused reverse proxy is told how to be believed.
    assert all("PUSH_TRUSTED_PROXIES" in r.getMessage() for r in refusals)


async def test_a_trusted_proxy_refused_for_its_client_gets_no_proxy_hint(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.push")
    async with running(allowed=OZON, trusted_proxies=LOOPBACK) as it:
        assert_error(await it.push(NEW_MESSAGE, {"X-Forwarded-For": "203.0.113.9"}), 403)
    (refusal,) = [r for r in caplog.records if "403" in r.getMessage()]
    assert "203.0.113.9" in refusal.getMessage()
    assert "PUSH_TRUSTED_PROXIES" not in refusal.getMessage()


@pytest.mark.parametrize(
    ("trusted", "forwarded", "status"),
    [
        (False, "195.34.21.10", 403),  # direct peer is no proxy: header ignored
        (True, "195.34.21.10", 200),
        (True, "10.0.0.1, 195.34.21.10", 200),  # only the last untrusted hop counts
        (True, "195.34.21.10, 127.0.0.5", 200),  # a trusted hop is skipped
        (True, "195.34.21.10, 8.8.8.8", 403),  # the last untrusted hop is outside
        (True, "91.223.93.7:4711", 200),  # a hop with a port
        (True, "not-an-address", 403),
        (True, "195.34.21.10, garbage", 403),
        (True, None, 403),  # no header: the proxy itself is the client
    ],
)  # fmt: skip
async def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(
    trusted: bool, forwarded: str | None, status: int
) -> None:
    proxies = LOOPBACK if trusted else []
    async with running(allowed=OZON, trusted_proxies=proxies) as it:
        headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
        response = await it.push(NEW_MESSAGE, headers)
        assert response.status_code == status
        assert len(it.sink.events) == (1 if status == 200 else 0)


async def test_forwarded_for_overrides_an_allowed_proxy_address() -> None:
    # The proxy (127.0.0.1) is itself inside `allowed`, yet the real client is not.
    async with running(allowed=[*OZON, *LOOPBACK], trusted_proxies=LOOPBACK) as it:
        assert_error(await it.push(NEW_MESSAGE, {"X-Forwarded-For": "203.0.113.9"}), 403)
        ok = await it.push(NEW_MESSAGE, {"X-Forwarded-For": "185.73.193.1"})
        assert ok.status_code == 200
        assert len(it.sink.events) == 1


async def test_bodies_over_the_limit_get_413(srv: Running) -> None:
    assert_error(await srv.push(b"x" * (MB + 1)), 413)  # refused from Content-Length

    async def chunks() -> AsyncIterator[bytes]:  # chunked, no Content-Length: counted while read
        for _ in range(17):
            yield b" " * 65536

    response = await srv.client.post(PATH, content=chunks())
    assert_error(response, 413)
    # Exactly the limit is fine.
    exact = json.dumps(NEW_MESSAGE).encode()
    exact += b" " * (MB - len(exact))
    assert len(exact) == MB
    assert (await srv.push(exact)).status_code == 200
    assert srv.sink.events == [PushEvent("new_message", CHAT, BIG_ID)]


async def test_a_smaller_limit_is_honoured() -> None:
    async with running(max_body=100) as it:
        assert_error(await it.push(NEW_MESSAGE), 413)
        assert (await it.push({"message_type": "TYPE_PING"})).status_code == 200


def new_message(chat_id: object, message_id: object) -> bytes:
    body = {"message_type": "TYPE_NEW_MESSAGE", "chat_id": chat_id, "message_id": message_id}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", UNKNOWN),
        (b"{not json", UNKNOWN),
        (b"\xff\xfe\x00garbage", UNKNOWN),
        (b"[" * 100_000 + b"]" * 100_000, UNKNOWN),  # deep nesting
        (b'"TYPE_PING"', UNKNOWN),
        (b"[1, 2]", UNKNOWN),
        (b"null", UNKNOWN),
        (b"42", UNKNOWN),
        (b"{}", MISSED),
        (b'{"message_type": null}', MISSED),
        (b'{"message_type": 7}', MISSED),
        (b'{"message_type": ["TYPE_PING"]}', MISSED),
        (b'{"message_type": "TYPE_NEW_MESSAGE", "message_id": "1"}', MISSED),
        (b'{"message_type": "TYPE_NEW_MESSAGE", "chat_id": "c"}', MISSED),
        (new_message("", "1"), MISSED),
        (new_message("  ", "1"), MISSED),
        (new_message({}, "1"), MISSED),
        (new_message(True, "1"), MISSED),
        (new_message("a\u0000b", "1"), MISSED),
        (new_message("c", "x"), MISSED),
        (new_message("c", -1), MISSED),
        (new_message("c", 1.5), MISSED),
        (new_message("c", True), MISSED),
        (new_message("c", "\u0661"), MISSED),  # an Arabic-Indic digit one
        (new_message("c", str(2**64)), MISSED),
        (new_message("c", "9" * 5000), MISSED),
        (b'{"message_type": "TYPE_UPDATE_MESSAGE", "chat_id": "c"}', MISSED),
        (b'{"message_type": "TYPE_MESSAGE_READ", "chat_id": "c", "message_id": "1"}', MISSED),
        (b'{"message_type": "TYPE_CHAT_CLOSED"}', MISSED),
        (b'{"message_type": "TYPE_CHAT_CLOSED", "chat_id": null}', MISSED),
    ],
)  # fmt: skip
async def test_malformed_bodies_get_400(srv: Running, body: bytes, code: str) -> None:
    assert_error(await srv.push(body, {"Content-Type": "application/json"}), 400, code)
    assert srv.sink.events == []
    assert (await srv.push({"message_type": "TYPE_PING"})).status_code == 200


async def test_the_largest_uint64_is_a_message_id(srv: Running) -> None:
    response = await srv.push(dict(NEW_MESSAGE, message_id=str(2**64 - 1)))
    assert response.status_code == 200
    assert srv.sink.events == [PushEvent("new_message", CHAT, str(2**64 - 1))]


async def test_hmac_signature_accepted_and_rejected(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.push")
    body = json.dumps(NEW_MESSAGE).encode()
    good = sign(body)
    wrong_secret = sign(body, b"other")
    async with running(hmac_secret="s3cret") as it:
        digest = good.removeprefix("sha256=")
        accepted = [good, "sha256=" + digest.upper(), "SHA256=" + digest]
        for header in accepted:
            assert (await it.push(body, {"X-Ozon-Signature": header})).status_code == 200, header
        rejected = [
            wrong_secret,
            "sha256=" + "0" * 64,
            good[:-2],  # truncated
            good + "00",  # too long
            good.removeprefix("sha256="),  # no scheme
            "sha1=" + hashlib.sha1(body).hexdigest(),  # a wrong scheme
            "sha256=" + "zz" * 32,  # not hex
            "sha256=",
            "sha256",
            "",
        ]
        for header in rejected:
            assert_error(await it.push(body, {"X-Ozon-Signature": header}), 401)
        assert_error(await it.push(body), 401)  # missing
        # A good signature of another body.
        assert_error(await it.push(body + b" ", {"X-Ozon-Signature": good}), 401)
        # The size is checked before the signature, the signature before the JSON.
        assert_error(await it.push(b"x" * (MB + 1), {"X-Ozon-Signature": good}), 413)
        assert_error(await it.push(b"{broken", {"X-Ozon-Signature": good}), 401)
        assert_error(await it.push(b"{broken", {"X-Ozon-Signature": sign(b"{broken")}), 400)
        assert len(it.sink.events) == len(accepted)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "401" in logged
    assert good.removeprefix("sha256=") not in logged
    assert wrong_secret.removeprefix("sha256=") not in logged
    assert "s3cret" not in logged


async def test_hmac_is_checked_after_the_address() -> None:
    body = json.dumps(NEW_MESSAGE).encode()
    async with running(hmac_secret="s3cret", allowed=OZON) as it:
        assert_error(await it.push(body, {"X-Ozon-Signature": sign(body)}), 403)


async def test_push_disabled_answers_404_but_serves_healthz() -> None:
    async with running(push_enabled=False) as it:
        assert_error(await it.push(NEW_MESSAGE), 404)
        assert_error(await it.push({"message_type": "TYPE_PING"}), 404)
        response = await it.client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "last_sync": "2025-01-01T00:00:00Z"}
        assert it.sink.events == []


async def test_other_paths_and_methods_answer_json(srv: Running) -> None:
    assert_error(await srv.client.get("/nowhere"), 404)
    assert_error(await srv.client.get(PATH), 405)
    assert_error(await srv.client.put(PATH, content=b"{}"), 405)
    assert_error(await srv.client.post("/healthz", content=b"{}"), 405)


async def test_a_failing_sink_is_a_logged_500(
    srv: Running, caplog: pytest.LogCaptureFixture
) -> None:
    srv.sink.broken = True
    assert_error(await srv.push(NEW_MESSAGE), 500)
    assert any(r.levelno == logging.ERROR for r in caplog.records if r.name == "bot.push")
    srv.sink.broken = False
    assert (await srv.push(NEW_MESSAGE)).status_code == 200
    # Pushes that never reach the sink are answered even while it is broken.
    srv.sink.broken = True
    assert (await srv.push({"message_type": "TYPE_PING"})).status_code == 200
    assert (await srv.push(dict(NEW_MESSAGE, chat_type="Seller_Support"))).status_code == 200


# --- /healthz ---------------------------------------------------------------------------------


async def test_healthz_ok_unavailable_and_broken(srv: Running) -> None:
    response = await srv.client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok", "last_sync": "2025-01-01T00:00:00Z"}

    srv.health.report = HealthReport(False, "last Ozon sync 9 min ago", {"outbox_failures": 3})
    response = await srv.client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "status": "unavailable",
        "reason": "last Ozon sync 9 min ago",
        "outbox_failures": 3,
    }

    srv.health.report = HealthReport(True, None, {"last_sync": "now"})
    assert (await srv.client.get("/healthz")).status_code == 200  # and back

    srv.health.error = ConnectionError("database at /secret/path is locked")
    response = await srv.client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "ConnectionError"}
    assert "secret" not in response.text
    assert "Traceback" not in response.text


async def test_healthz_encodes_what_it_can_and_times_out() -> None:
    async with running(health_timeout=0.2) as it:
        when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        it.health.report = HealthReport(True, None, {"last_sync": when, "status": "overridden"})
        response = await it.client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "last_sync": str(when)}

        for not_json in ({"depths": {(1, 2): 3}}, {"lag": float("nan")}, {"x": "\ud800"}):
            it.health.report = HealthReport(True, None, not_json)
            response = await it.client.get("/healthz")
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"

        it.health.report = HealthReport(True)
        it.health.delay = 5.0
        started = time.perf_counter()
        response = await it.client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "TimeoutError"}
        assert time.perf_counter() - started < 4.0


async def test_healthz_is_served_to_any_address() -> None:
    async with running(allowed=[]) as it:
        assert (await it.client.get("/healthz")).status_code == 200
        assert_error(await it.push({"message_type": "TYPE_PING"}), 403)


# --- lifecycle and misbehaving clients --------------------------------------------------------


async def test_lifecycle() -> None:
    server = PushServer(
        sink=RecordingSink(),
        health=SettableHealth(),
        path=PATH,
        port=0,
        host="127.0.0.1",
        allowed=LOOPBACK,
        version="1",
    )
    with pytest.raises(RuntimeError):
        _ = server.port
    await server.close()  # before start: harmless
    await server.start()
    assert server.port > 0
    with pytest.raises(RuntimeError):
        await server.start()
    await server.close()
    await server.close()  # idempotent
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{server.port}/healthz")


async def test_a_taken_port_raises_and_leaves_nothing_behind(srv: Running) -> None:
    other = PushServer(
        sink=RecordingSink(),
        health=SettableHealth(),
        path=PATH,
        port=srv.server.port,
        host="127.0.0.1",
        allowed=LOOPBACK,
        version="1",
    )
    with pytest.raises(OSError, match=r".*"):
        await other.start()
    await other.close()
    assert (await srv.client.get("/healthz")).status_code == 200


async def raw_request(port: int, head: bytes, body: bytes, *, then: float | None) -> bytes:
    """Send a request by hand; with `then` wait that long for an answer, else hang up at once."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        if then is None:
            return b""
        async with asyncio.timeout(then):
            answer = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in answer.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            return answer + await reader.readexactly(length)
    finally:
        writer.close()
        await writer.wait_closed()


def head(length: int) -> bytes:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


async def test_a_client_hanging_up_mid_body_costs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running() as it:
        for _ in range(5):
            await raw_request(it.server.port, head(1000), b'{"message_type": "TYPE_NEW', then=None)
        await asyncio.sleep(0.1)
        assert (await it.push(NEW_MESSAGE)).status_code == 200
        assert len(it.sink.events) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_body_sent_too_slowly_gets_408() -> None:
    async with running(read_timeout=0.3) as it:
        answer = await raw_request(it.server.port, head(1000), b'{"message_type"', then=5.0)
        assert answer.startswith(b"HTTP/1.1 408")
        assert b'"code": "ERROR_UNKNOWN"' in answer
        assert (await it.push(NEW_MESSAGE)).status_code == 200
        assert len(it.sink.events) == 1


async def test_broken_chunked_encoding_is_refused_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running() as it:
        chunked = (
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        answer = await raw_request(it.server.port, chunked, b"5\r\n{}{}{\r\nzz\r\n", then=5.0)
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 400 " in status_line, status_line  # refused by aiohttp's parser itself
        assert (await it.push(NEW_MESSAGE)).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [
        r for r in caplog.records if r.name == "bot.push" and "BadHttpMessage" in r.getMessage()
    ]


async def test_a_signature_header_that_is_not_ascii_gets_401() -> None:
    body = json.dumps(NEW_MESSAGE).encode()
    async with running(hmac_secret="s3cret") as it:
        request = (
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\nX-Ozon-Signature: sha256="
        ).encode()
        request += "ÿ".encode() * 32 + b"\xff\xfe\r\n\r\n"
        answer = await raw_request(it.server.port, request, body, then=5.0)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:40]
        assert b"ERROR_UNKNOWN" in answer
        assert it.sink.events == []


# --- random input -----------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)
CHAT_TYPES = ["TYPE_NEW_MESSAGE", "TYPE_UPDATE_MESSAGE", "TYPE_MESSAGE_READ", "TYPE_CHAT_CLOSED"]
TYPES = [*CHAT_TYPES, "TYPE_PING", "TYPE_NEW_POSTING", "TYPE_STATE_CHANGED"]
FIELDS = ["chat_id", "message_id", "last_read_message_id", "chat_type", "seller_id", "user", "data"]

near_valid_pushes = st.fixed_dictionaries(
    {"message_type": st.sampled_from(TYPES)},
    optional={
        name: json_values
        | st.sampled_from([CHAT, BIG_ID, int(BIG_ID), "Buyer_Seller", "Seller_Support", ""])
        for name in FIELDS
    },
)
random_bodies = (
    st.binary(max_size=400)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(st.text(max_size=15), json_values, max_size=6).map(
        lambda v: json.dumps(v).encode()
    )
    | near_valid_pushes.map(lambda v: json.dumps(v).encode())
)


@pytest.fixture
async def shared() -> AsyncIterator[Running]:
    """One server for every example of a property test: it must stay up throughout."""
    async with running() as it:
        yield it


def valid_event(event: PushEvent) -> bool:
    ids_ok = event.message_id is None or (
        event.message_id.isdigit() and int(event.message_id) < 2**64
    )
    return bool(event.chat_id.strip()) and event.chat_id == event.chat_id.strip() and ids_ok


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=random_bodies)
async def test_random_input_never_earns_a_5xx(shared: Running, body: bytes) -> None:
    before = list(shared.sink.events)
    response = await shared.push(body)
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    if response.status_code != 200:
        assert shared.sink.events == before  # nothing from an invalid request
        assert set(payload) == {"error"}
    else:
        new = shared.sink.events[len(before) :]
        assert len(new) <= 1
        assert all(valid_event(event) for event in new)
        sent = json.loads(body)
        if new:  # only a buyer chat's event of a known type gets through
            assert sent["message_type"] in CHAT_TYPES
    assert (await shared.client.get("/healthz")).status_code == 200


# Chat pushes built from values known to be valid or invalid, with the outcome predicted.
good_chat_ids = st.sampled_from([CHAT, "c", " padded ", "123"]) | st.integers(1, 2**63)
bad_chat_ids: st.SearchStrategy[Any] = st.sampled_from(
    [None, "", "   ", [], {}, True, 1.5, "tab\there", "x" * 300]
)
good_message_ids = st.integers(0, 2**64 - 1) | st.integers(0, 2**64 - 1).map(str)
bad_message_ids: st.SearchStrategy[Any] = st.sampled_from(
    [None, "", "abc", "-1", -5, 1.0, False, "1e3", str(2**64), []]
)
buyer_types = st.sampled_from(
    ["BUYER_SELLER", "Buyer_Seller", "buyer_seller_select", "ВUYЕR_SЕLLЕR"]
)
other_types = st.sampled_from(["Seller_Support", "Seller_Notification", "", "UNKNOWN", 0, {}])


@dataclass
class Case:
    body: dict[str, Any]
    status: int
    event: PushEvent | None


@st.composite
def chat_cases(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Case:
    message_type = draw(st.sampled_from(CHAT_TYPES))
    events: dict[str, tuple[PushKind, str | None]] = {
        "TYPE_NEW_MESSAGE": ("new_message", "message_id"),
        "TYPE_UPDATE_MESSAGE": ("update_message", "message_id"),
        "TYPE_MESSAGE_READ": ("message_read", "last_read_message_id"),
        "TYPE_CHAT_CLOSED": ("chat_closed", None),
    }
    kind, id_field = events[message_type]
    body: dict[str, Any] = {
        "message_type": message_type,
        "seller_id": draw(st.sampled_from(["7", 7])),
    }
    chat_ok = draw(st.booleans())
    chat_id = draw(good_chat_ids if chat_ok else bad_chat_ids)
    if chat_id is not None or draw(st.booleans()):
        body["chat_id"] = chat_id
    id_ok = True
    message_id: str | None = None
    if id_field is not None:
        id_ok = draw(st.booleans())
        value = draw(good_message_ids if id_ok else bad_message_ids)
        if value is not None or draw(st.booleans()):
            body[id_field] = value
        message_id = str(int(value)) if id_ok else None
    buyer = draw(st.booleans())
    if buyer:
        if draw(st.booleans()):
            body["chat_type"] = draw(buyer_types)
    else:
        body["chat_type"] = draw(other_types)
    if not (chat_ok and id_ok):
        return Case(body, 400, None)
    if not buyer:
        return Case(body, 200, None)
    return Case(body, 200, PushEvent(kind, str(chat_id).strip(), message_id))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=chat_cases())
async def test_chat_pushes_have_the_predicted_outcome(shared: Running, case: Case) -> None:
    before = len(shared.sink.events)
    response = await shared.push(case.body)
    assert response.status_code == case.status, (case, response.text)
    if case.status == 400:
        assert response.json()["error"]["code"] == MISSED
    else:
        assert response.json() == {"result": True}
    expected = [] if case.event is None else [case.event]
    assert shared.sink.events[before:] == expected


async def test_hmac_property_style_random_signatures_never_pass() -> None:
    body = json.dumps(NEW_MESSAGE).encode()
    async with running(hmac_secret="s3cret") as it:

        @settings(max_examples=60, deadline=None)
        @given(header=st.text(max_size=80).filter(lambda h: h.isprintable()))
        def check(header: str) -> None:
            pending.append(header)

        pending: list[str] = []
        check()
        for header in pending:
            try:
                response = await it.push(body, {"X-Ozon-Signature": header})
            except (httpx.LocalProtocolError, UnicodeEncodeError):
                continue  # httpx will not send it at all
            assert_error(response, 401)
        assert it.sink.events == []
