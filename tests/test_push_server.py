"""The push receiver on its own: Ozon's answer shapes, and every kind of bad request refused with
the right status while the server stays up and nothing reaches the queue."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.events import HealthReport, PushEvent
from bot.push import PushServer

MISSED = "ERROR_PARAMETER_VALUE_MISSED"
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
CHAT = "b646d975-0c9c-4872-9f41-8b1e57181063"
NEW_MESSAGE: dict[str, Any] = {
    "message_type": "TYPE_NEW_MESSAGE",
    "chat_id": CHAT,
    "chat_type": "Buyer_Seller",
    "message_id": "3000000000817031942",
    "created_at": "2022-07-18T20:58:04.528Z",
    "user": {"id": "115568", "type": "Сustomer"},
    "data": ["Текст сообщения"],
    "seller_id": "7",
}


class Sink:
    def __init__(self) -> None:
        self.events: list[PushEvent] = []

    def accept(self, event: PushEvent) -> None:
        self.events.append(event)


class Health:
    def __init__(self) -> None:
        self.report = HealthReport(True, None, {"last_sync": "now"})
        self.broken = False

    async def __call__(self) -> HealthReport:
        if self.broken:
            raise RuntimeError("boom")
        return self.report


async def serve(**options: Any) -> tuple[PushServer, Sink, Health]:
    sink, health = Sink(), Health()
    defaults: dict[str, Any] = {
        "path": "/ozon/push",
        "port": 0,
        "host": "127.0.0.1",
        "allowed": LOOPBACK,
        "version": "1.2.3",
    }
    defaults.update(options)
    server = PushServer(sink=sink, health=health, **defaults)
    await server.start()
    return server, sink, health


@pytest.fixture
async def push() -> AsyncIterator[tuple[httpx.AsyncClient, Sink, Health]]:
    server, sink, health = await serve()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        yield client, sink, health
    await server.close()


async def test_ping_answers_in_ozon_shape(push: tuple[httpx.AsyncClient, Sink, Health]) -> None:
    client, sink, _ = push
    started = time.perf_counter()
    response = await client.post(
        "/ozon/push", json={"message_type": "TYPE_PING", "time": "2019-08-24T14:15:22Z"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["version"] == "1.2.3"
    assert body["name"] == "ozon-telegram-bridge"
    assert datetime.fromisoformat(body["time"].replace("Z", "+00:00")).tzinfo is not None
    assert sink.events == []
    print(f"ping answered in {elapsed * 1000:.1f} ms")


async def test_chat_events_are_queued(push: tuple[httpx.AsyncClient, Sink, Health]) -> None:
    client, sink, _ = push
    for _ in range(2):  # Ozon retries: the same push twice is answered twice, deduped later
        response = await client.post("/ozon/push", json=NEW_MESSAGE)
        assert response.json() == {"result": True}
    read = {"message_type": "TYPE_MESSAGE_READ", "chat_id": "c1", "last_read_message_id": 42}
    closed = {"message_type": "TYPE_CHAT_CLOSED", "chat_id": "c1", "chat_type": "BUYER_SELLER"}
    support = dict(NEW_MESSAGE, chat_type="Seller_Support")
    posting = {"message_type": "TYPE_NEW_POSTING", "posting_number": "1-1"}
    for body in (read, closed, support, posting):
        assert (await client.post("/ozon/push", json=body)).json() == {"result": True}
    assert sink.events == [
        PushEvent("new_message", CHAT, "3000000000817031942"),
        PushEvent("new_message", CHAT, "3000000000817031942"),
        PushEvent("message_read", "c1", "42"),
        PushEvent("chat_closed", "c1", None),
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "ERROR_UNKNOWN"),
        (b"[1, 2]", 400, "ERROR_UNKNOWN"),
        (b'{"chat_id": "x"}', 400, MISSED),
        (b'{"message_type": "TYPE_NEW_MESSAGE", "message_id": "1"}', 400, MISSED),
        (b'{"message_type": "TYPE_NEW_MESSAGE", "chat_id": "c", "message_id": "x"}', 400, MISSED),
        (b"\xff\xfe\x00", 400, "ERROR_UNKNOWN"),
    ],
)  # fmt: skip
async def test_bad_bodies_get_400(
    push: tuple[httpx.AsyncClient, Sink, Health], body: bytes, status: int, code: str
) -> None:
    client, sink, _ = push
    response = await client.post(
        "/ozon/push", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["details"] is None
    assert sink.events == []


async def test_oversized_body_gets_413(push: tuple[httpx.AsyncClient, Sink, Health]) -> None:
    client, sink, _ = push
    response = await client.post("/ozon/push", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert (await client.post("/ozon/push", json=NEW_MESSAGE)).status_code == 200

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: enforced while reading
        for _ in range(20):
            yield b"y" * 65536

    response = await client.post("/ozon/push", content=chunks())
    assert response.status_code == 413
    assert len(sink.events) == 1


async def test_addresses_outside_the_allowed_ranges_get_403() -> None:
    ozon_only = [ipaddress.ip_network(n) for n in ("195.34.21.0/24", "185.73.192.0/22")]
    server, sink, _ = await serve(allowed=ozon_only)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        spoofed = {"X-Forwarded-For": "195.34.21.10"}
        response = await client.post("/ozon/push", json=NEW_MESSAGE, headers=spoofed)
        assert response.status_code == 403  # not from a trusted proxy: the header is ignored
        assert (await client.get("/healthz")).status_code == 200
    await server.close()

    server, sink, _ = await serve(allowed=ozon_only, trusted_proxies=LOOPBACK)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        ok = {"X-Forwarded-For": "10.0.0.1, 195.34.21.10"}
        assert (await client.post("/ozon/push", json=NEW_MESSAGE, headers=ok)).status_code == 200
        bad = {"X-Forwarded-For": "195.34.21.10, 8.8.8.8"}
        assert (await client.post("/ozon/push", json=NEW_MESSAGE, headers=bad)).status_code == 403
    await server.close()
    assert len(sink.events) == 1


async def test_hmac_signature_when_configured() -> None:
    server, sink, _ = await serve(hmac_secret="s3cret")
    body = json.dumps(NEW_MESSAGE).encode()
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        for header, status in [
            (good, 200),
            (good.upper().replace("SHA256=", "sha256="), 200),
            ("sha256=" + "0" * 64, 401),
            ("md5=abc", 401),
            (None, 401),
        ]:
            headers = {"X-Ozon-Signature": header} if header else {}
            response = await client.post("/ozon/push", content=body, headers=headers)
            assert response.status_code == status, header
    await server.close()
    assert len(sink.events) == 2


async def test_push_off_still_serves_healthz() -> None:
    server, sink, health = await serve(push_enabled=False)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        assert (await client.post("/ozon/push", json=NEW_MESSAGE)).status_code == 404
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "last_sync": "now"}
        health.report = HealthReport(False, "no successful Ozon sync yet", {"last_sync": None})
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["reason"] == "no successful Ozon sync yet"
        health.broken = True
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["reason"] == "RuntimeError"
    await server.close()
    assert sink.events == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {"message_type": st.sampled_from(["TYPE_NEW_MESSAGE", "TYPE_CHAT_CLOSED", "TYPE_PING"])},
        optional={"chat_id": json_values, "message_id": json_values, "chat_type": json_values},
    ).map(lambda v: json.dumps(v).encode())
)
async def test_random_input_never_gets_a_5xx(
    push: tuple[httpx.AsyncClient, Sink, Health], body: bytes
) -> None:
    client, sink, _ = push
    before = len(sink.events)
    response = await client.post("/ozon/push", content=body)
    assert response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    if response.status_code != 200:
        assert len(sink.events) == before
    assert (await client.get("/healthz")).status_code == 200
