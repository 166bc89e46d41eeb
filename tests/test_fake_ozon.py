"""Tests of the Ozon double itself (tests/fakes/ozon.py over the stand-in in bot/sandbox/)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.sandbox.pictures import png
from tests.fakes.ozon import FIRST_MESSAGE_ID, FakeOzon
from tests.fakes.ozon_spec import check_schema, load_spec

CLIENT_ID = "100500"
API_KEY = "test-ozon-key"
AUTH = {"Client-Id": CLIENT_ID, "Api-Key": API_KEY}


@pytest.fixture
async def ozon() -> AsyncIterator[FakeOzon]:
    async with FakeOzon(client_id=CLIENT_ID, api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ozon.url, headers=AUTH, timeout=5) as http:
        yield http


async def post(client: httpx.AsyncClient, path: str, body: object) -> tuple[int, Any]:
    response = await client.post(path, json=body)
    return response.status_code, response.json()


async def test_url_and_start_close() -> None:
    fake = FakeOzon()
    await fake.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake.url)
    await fake.close()


async def test_chat_list_pages_250_chats_with_cursor(
    ozon: FakeOzon, client: httpx.AsyncClient
) -> None:
    chat_ids = [ozon.add_chat() for _ in range(250)]
    for chat_id in chat_ids[:240]:  # the last 10 chats stay empty
        ozon.add_message(chat_id)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        body: dict[str, Any] = {"limit": 100, "filter": {"chat_status": "ALL"}}
        if cursor is not None:
            body["cursor"] = cursor
        status, page = await post(client, "/v3/chat/list", body)
        assert status == 200
        pages += 1
        seen.extend(page["chats"])
        cursor = page["cursor"]
        assert page["total_unread_count"] == 240
        if page["has_next"] == "false":
            break
        assert page["has_next"] == "true"
    assert pages == 3
    assert len({c["chat"]["chat_id"] for c in seen}) == 250
    last_ids = [int(c["last_message_id"]) for c in seen]
    assert last_ids == sorted(last_ids, reverse=True)  # most recent activity first
    assert last_ids[-10:] == [0] * 10  # chats without messages last, with "0"
    assert seen[0]["chat"]["chat_id"] == chat_ids[239]
    assert ozon.spec_violations == []


async def test_chat_list_filters(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    opened, closed, read = ozon.add_chat(), ozon.add_chat(), ozon.add_chat()
    for chat_id in (opened, closed):
        ozon.add_message(chat_id)
    ozon.add_message(read, is_read=True)
    ozon.close_chat(closed)
    _, page = await post(
        client, "/v3/chat/list", {"limit": 10, "filter": {"chat_status": "Closed"}}
    )
    assert [c["chat"]["chat_id"] for c in page["chats"]] == [closed]
    _, page = await post(client, "/v3/chat/list", {"limit": 10, "filter": {"unread_only": True}})
    assert {c["chat"]["chat_id"] for c in page["chats"]} == {opened, closed}
    assert ozon.spec_violations == []


async def test_history_backward_and_forward_inclusive(
    ozon: FakeOzon, client: httpx.AsyncClient
) -> None:
    chat_id = ozon.add_chat()
    ids = [ozon.add_message(chat_id, f"m{i}") for i in range(10)]
    assert int(ids[0]) == FIRST_MESSAGE_ID
    gaps = [int(b) - int(a) for a, b in itertools.pairwise(ids)]
    assert all(1 <= g <= 1000 for g in gaps)

    _, page = await post(client, "/v3/chat/history", {"chat_id": chat_id})
    assert [m["message_id"] for m in page["messages"]] == ids[::-1]
    assert page["has_next"] is False

    body = {"chat_id": chat_id, "direction": "Backward", "from_message_id": ids[5], "limit": 3}
    _, page = await post(client, "/v3/chat/history", body)
    assert [m["message_id"] for m in page["messages"]] == [ids[5], ids[4], ids[3]]
    assert page["has_next"] is True

    # Forward from an id sent as a JSON integer above 2**53, and as a string, lower-case direction.
    for start in (int(ids[3]), ids[3]):
        body = {"chat_id": chat_id, "direction": "forward", "from_message_id": start, "limit": 4}
        _, page = await post(client, "/v3/chat/history", body)
        assert [m["message_id"] for m in page["messages"]] == ids[3:7]
        assert page["has_next"] is True
    body = {"chat_id": chat_id, "direction": "Forward", "from_message_id": ids[7], "limit": 10}
    _, page = await post(client, "/v3/chat/history", body)
    assert [m["message_id"] for m in page["messages"]] == ids[7:]
    assert page["has_next"] is False

    body = {"chat_id": chat_id, "filter": {"message_ids": [ids[2], ids[8]]}}
    _, page = await post(client, "/v3/chat/history", body)
    assert [m["message_id"] for m in page["messages"]] == [ids[8], ids[2]]

    status, error = await post(client, "/v3/chat/history", {"chat_id": "nope"})
    assert (status, error) == (404, {"code": 5, "message": "chat not found", "details": []})
    assert ozon.spec_violations == []


async def test_history_forward_exclusive_flag() -> None:
    async with (
        FakeOzon(history_forward_inclusive=False) as fake,
        httpx.AsyncClient(base_url=fake.url, headers=AUTH) as http,
    ):
        chat_id = fake.add_chat()
        ids = [fake.add_message(chat_id) for _ in range(5)]
        body = {"chat_id": chat_id, "direction": "Forward", "from_message_id": ids[1]}
        _, page = await post(http, "/v3/chat/history", body)
        assert [m["message_id"] for m in page["messages"]] == ids[2:]


async def test_quirks_present(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chats = [ozon.add_chat() for _ in range(2)]
    for chat_id in chats:
        for _ in range(4):
            ozon.add_message(chat_id, order_number="123-1", sku="987")
    _, listing = await post(client, "/v3/chat/list", {"limit": 10})
    assert listing["has_next"] == "false"
    statuses = {c["chat"]["chat_status"] for c in listing["chats"]}
    types = {c["chat"]["chat_type"] for c in listing["chats"]}
    assert statuses == {"OPENED", "Opened"}
    assert types == {"BUYER_SELLER", "Buyer_Seller"}
    item = listing["chats"][0]
    assert isinstance(item["last_message_id"], str)
    assert isinstance(item["first_unread_message_id"], str)
    assert int(item["last_message_id"]) > 2**53

    user_types: set[str] = set()
    stamps: list[str] = []
    for chat_id in chats:
        _, page = await post(client, "/v3/chat/history", {"chat_id": chat_id})
        for message in page["messages"]:
            assert isinstance(message["message_id"], str)
            assert message["context"] == {"order_number": "123-1", "sku": "987"}
            user_types.add(message["user"]["type"])
            stamps.append(message["created_at"])
    assert user_types == {"Customer", "customer", "\u0421ustomer"}
    assert any(re.fullmatch(r".*T\d\d:\d\d:\d\dZ", s) for s in stamps)
    assert any(re.fullmatch(r".*\.\d{6}Z", s) for s in stamps)


async def test_quirks_off_is_canonical() -> None:
    async with (
        FakeOzon(quirks=False) as fake,
        httpx.AsyncClient(base_url=fake.url, headers=AUTH) as http,
    ):
        for _ in range(3):
            fake.add_message(fake.add_chat())
        _, listing = await post(http, "/v3/chat/list", {"limit": 10})
        assert listing["has_next"] is False
        assert {c["chat"]["chat_status"] for c in listing["chats"]} == {"OPENED"}
        assert all(isinstance(c["last_message_id"], int) for c in listing["chats"])
        chat_id = listing["chats"][0]["chat"]["chat_id"]
        _, page = await post(http, "/v3/chat/history", {"chat_id": chat_id})
        assert page["messages"][0]["user"]["type"] == "Customer"
        assert isinstance(page["messages"][0]["message_id"], int)
        _check_response_shape("/v3/chat/list", listing)
        _check_response_shape("/v3/chat/history", page)


def _check_response_shape(path: str, payload: dict[str, Any]) -> None:
    """Canonical answers conform to the fixture's response schema."""
    schema = load_spec()["paths"][path]["response200Schema"]
    assert check_schema(schema, payload) == []


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/v3/chat/list", {}, "limit: required"),
        ("/v3/chat/list", {"limit": 101}, "out of range"),
        ("/v3/chat/list", {"limit": 0}, "out of range"),
        ("/v3/chat/list", {"limit": "10"}, "expected integer"),
        ("/v3/chat/list", {"limit": 10, "filter": {"chat_status": "NEW"}}, "not one of"),
        ("/v3/chat/list", {"limit": 10, "offset": 0}, "offset: unknown field"),
        ("/v1/chat/send/message", {"chat_id": "c", "text": "я" * 1001}, "above 1000"),
        ("/v1/chat/send/message", {"chat_id": "c", "text": ""}, "below 1"),
        ("/v1/chat/send/message", {"chat_id": "c"}, "text: required"),
        ("/v3/chat/history", {"chat_id": "c", "direction": "Forward"}, "from_message_id: required"),
        ("/v3/chat/history", {"chat_id": "c", "limit": 1001}, "out of range"),
        ("/v3/chat/history", {"chat_id": "c", "direction": "Up"}, "not one of"),
        ("/v3/chat/history", {"chat_id": "c", "from_message_id": "12a"}, "uint64"),
        ("/v2/chat/read", {"chat_id": 5}, "expected string"),
        ("/v1/notification/set", {"url": "http://x", "types": ["TYPE_NOPE"]}, "not one of"),
    ],
)
async def test_spec_violations_caught(
    ozon: FakeOzon, client: httpx.AsyncClient, path: str, body: dict[str, Any], fragment: str
) -> None:
    status, error = await post(client, path, body)
    assert status == 400
    assert error["code"] == 3
    assert error["details"] == []
    assert fragment in error["message"]
    assert len(ozon.spec_violations) == 1
    assert ozon.spec_violations[0].startswith(path)


async def test_malformed_requests_never_crash(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v3/chat/list", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 3
    response = await client.post("/v3/chat/list", json=[1, 2])
    assert response.status_code == 400
    response = await client.get("/v3/chat/list")
    assert response.status_code == 405
    status, error = await post(client, "/v1/unknown/method", {})
    assert (status, error) == (404, {"code": 5, "message": "Not Found", "details": []})
    status, _ = await post(client, "/v2/chat/list", {})  # removed by Ozon
    assert status == 404
    assert len(ozon.spec_violations) == 5
    assert ozon.internal_errors == []


async def test_valid_edge_requests_accepted(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    ozon.add_message(chat_id)
    status, _ = await post(
        client, "/v1/chat/send/message", {"chat_id": chat_id, "text": "я" * 1000}
    )
    assert status == 200
    status, _ = await post(
        client, "/v3/chat/list", {"limit": 100, "filter": {"chat_status": "opened"}}
    )
    assert status == 200
    status, _ = await post(client, "/v3/chat/history", {"chat_id": chat_id, "limit": 1000})
    assert status == 200
    response = await client.post("/v1/notification/push-type/list")  # no body declared
    assert response.status_code == 200
    assert ozon.spec_violations == []


async def test_auth_modes(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    ozon.add_chat()
    list_body = {"limit": 1}
    response = await client.post("/v3/chat/list", json=list_body, headers={"Api-Key": "wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "code": 16,
        "message": "Invalid Api-Key, please contact support",
        "details": [],
    }
    async with httpx.AsyncClient(base_url=ozon.url) as anonymous:
        assert (await anonymous.post("/v3/chat/list", json=list_body)).status_code == 401

    ozon.auth_mode = "invalid"
    assert (await post(client, "/v3/chat/list", list_body))[0] == 401

    ozon.auth_mode = "expired"
    assert await post(client, "/v1/roles", {}) == (
        403,
        {"code": 7, "message": "Api-key is expired, please create a new one", "details": []},
    )

    ozon.auth_mode = "ip_restricted"
    status, error = await post(client, "/v3/chat/list", list_body)
    assert (status, error["message"]) == (403, "Access from this IP address is restricted")

    ozon.auth_mode = "no_chat_role"
    status, error = await post(client, "/v3/chat/list", list_body)
    assert (status, error["code"]) == (403, 7)
    assert error["message"] == "You have no access to this method, check the roles of your Api-Key"
    status, roles = await post(client, "/v1/roles", {})
    assert status == 200
    assert all("/v3/chat/list" not in r["methods"] for r in roles["roles"])

    ozon.auth_mode = "ok"
    ozon.key_expires_at = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
    status, roles = await post(client, "/v1/roles", {})
    chat_role = next(r for r in roles["roles"] if r["name"] == "Chat")
    assert "/v1/chat/send/message" in chat_role["methods"]
    assert roles["expires_at"] == "2027-02-01T12:00:00Z"


async def test_fail_next_429_with_retry_after(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    ozon.fail_next("/v1/chat/send/message", 429, retry_after=2.5)
    body = {"chat_id": chat_id, "text": "hi"}
    response = await client.post("/v1/chat/send/message", json=body)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.headers["Ratelimit-Remaining"] == "0"
    assert response.json() == {
        "code": 8,
        "message": "You have reached request rate limit per second",
        "details": [],
    }
    assert ozon.sent_texts == []
    assert ozon.messages(chat_id) == []
    assert (await client.post("/v1/chat/send/message", json=body)).status_code == 200
    assert ozon.sent_texts == [(chat_id, "hi")]
    assert [r.status for r in ozon.requests] == [429, 200]
    assert ozon.count("/v1/chat/send/message") == 2


async def test_fail_next_any_path_5xx_and_down(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    ozon.fail_next(None, 502, count=2)
    for _ in range(2):
        status, error = await post(client, "/v1/roles", {})
        assert (status, error["code"]) == (502, 13)
    assert (await post(client, "/v1/roles", {}))[0] == 200
    ozon.down = True
    assert (await post(client, "/v1/roles", {}))[0] == 503
    ozon.down = False
    assert (await post(client, "/v1/roles", {}))[0] == 200


async def test_fault_rate_and_timeouts(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    ozon.fault_rate(0.5, seed=1)
    statuses = [(await post(client, "/v1/roles", {}))[0] for _ in range(40)]
    assert 5 < sum(s != 200 for s in statuses) < 35
    assert set(statuses) <= {200, 429, 500, 502, 503}
    ozon.fault_rate(1.0, timeout_share=1.0, timeout_seconds=0.2)
    started = asyncio.get_running_loop().time()
    assert (await post(client, "/v1/roles", {}))[0] == 504
    assert asyncio.get_running_loop().time() - started >= 0.2
    ozon.fault_rate(0)
    assert (await post(client, "/v1/roles", {}))[0] == 200


async def test_drop_response_after_apply(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    ozon.drop_response_after_apply("/v1/chat/send/message")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v1/chat/send/message", json={"chat_id": chat_id, "text": "once"})
    assert ozon.sent_texts == [(chat_id, "once")]
    assert ozon.requests[-1].status == 0
    status, _ = await post(client, "/v1/chat/send/message", {"chat_id": chat_id, "text": "two"})
    assert status == 200


async def test_rate_limit_and_latency(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    ozon.rate_limit_per_second = 3
    statuses = [(await post(client, "/v1/roles", {}))[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = await client.post("/v1/roles", json={})
    assert response.headers["Retry-After"] == "1"
    ozon.rate_limit_per_second = None
    ozon.latency = 0.1
    started = asyncio.get_running_loop().time()
    assert (await post(client, "/v1/roles", {}))[0] == 200
    assert asyncio.get_running_loop().time() - started >= 0.1


async def test_image_served_byte_exact(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    pictures = [bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(1000)]
    ozon.add_message(chat_id, image=pictures[0], image_name="фото 1.jpg")
    ozon.add_message(chat_id, image=pictures[1], image_name="second.png")
    body = {"chat_id": chat_id, "direction": "Forward", "from_message_id": "0"}
    _, page = await post(client, "/v3/chat/history", body)
    markdown = [m["data"][0] for m in page["messages"]]
    assert markdown[0].startswith("![](")
    assert markdown[1].startswith("[second.png](")
    for message, picture, text in zip(page["messages"], pictures, markdown, strict=True):
        assert message["is_image"] is True
        assert message["moderate_image_status"] == "SUCCESS"
        url = re.search(r"\((http://[^)]+)\)", text)
        assert url is not None
        async with httpx.AsyncClient() as anonymous:  # no auth needed for files
            response = await anonymous.get(url.group(1))
        assert response.status_code == 200
        assert response.content == picture


async def test_send_appends_seller_message(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    ozon.add_message(chat_id, "Где заказ?")
    status, answer = await post(
        client, "/v1/chat/send/message", {"chat_id": chat_id, "text": "Едет"}
    )
    assert (status, answer) == (200, {"result": "success"})
    _, page = await post(client, "/v3/chat/history", {"chat_id": chat_id, "limit": 1})
    newest = page["messages"][0]
    assert newest["data"] == ["Едет"]
    assert newest["user"] == {"id": CLIENT_ID, "type": "Seller"}
    assert ozon.sent_texts == [(chat_id, "Едет")]

    content = b"%PDF-1.4 test"
    body = {
        "chat_id": chat_id,
        "base64_content": base64.b64encode(content).decode(),
        "name": "a.pdf",
    }
    assert await post(client, "/v1/chat/send/file", body) == (200, {"result": "success"})
    assert ozon.sent_files == [(chat_id, "a.pdf", content)]
    assert ozon.messages(chat_id)[-1].is_image is False
    body["base64_content"] = "***"
    assert (await post(client, "/v1/chat/send/file", body))[0] == 400

    ozon.set_reply_window(chat_id, open=False)
    status, error = await post(client, "/v1/chat/send/message", {"chat_id": chat_id, "text": "x"})
    assert (status, error["code"]) == (400, 3)
    ozon.set_reply_window(chat_id, open=True)
    ozon.premium = False
    status, error = await post(client, "/v1/chat/send/message", {"chat_id": chat_id, "text": "x"})
    assert (status, error["code"], error["message"]) == (
        403,
        7,
        "Premium Plus subscription is required",
    )
    assert len(ozon.sent_texts) == 1


async def test_read_and_start(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    ids = [ozon.add_message(chat_id) for _ in range(3)]
    assert await post(client, "/v2/chat/read", {"chat_id": chat_id, "from_message_id": ids[1]}) == (
        200,
        {"unread_count": 1},
    )
    assert ozon.read_marks == [(chat_id, ids[1])]
    assert await post(client, "/v2/chat/read", {"chat_id": chat_id}) == (200, {"unread_count": 0})
    status, started = await post(client, "/v1/chat/start", {"posting_number": "47873153-0052-1"})
    assert status == 200
    assert started["result"]["chat_id"] in ozon.chats


async def test_notifications_and_other_paths(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    async def ping(request: web.Request) -> web.Response:
        return web.json_response({"version": "1", "name": "bridge", "time": "2026-01-01T00:00:00Z"})

    app = web.Application()
    app.router.add_post("/push", ping)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    push_url = f"http://127.0.0.1:{runner.addresses[0][1]}/push"
    try:
        assert await post(client, "/v1/notification/check", {"url": push_url}) == (
            200,
            {"is_active": True, "errors": []},
        )
        _, bad = await post(client, "/v1/notification/check", {"url": push_url + "x"})
        assert bad["is_active"] is False
        assert bad["errors"][0]["type"] == "STATUS_CODE_NOT_OK"
    finally:
        await runner.cleanup()

    body = {"url": push_url, "types": ["TYPE_NEW_MESSAGE", "TYPE_CHAT_CLOSED"]}
    assert (await post(client, "/v1/notification/set", body))[0] == 200
    _, listing = await post(client, "/v1/notification/list", {})
    assert listing["total_count"] == 1
    sub = listing["urls"][0]
    assert (sub["url"], sub["enable"], sub["availability_status"]) == (push_url, True, "GREEN")
    assert (await post(client, "/v1/notification/enable", {"id": sub["id"], "enabled": False}))[
        0
    ] == 200
    assert ozon.subscriptions[sub["id"]].enabled is False
    assert (await post(client, "/v1/notification/delete", {"id": sub["id"]}))[0] == 200
    assert (await post(client, "/v1/notification/delete", {"id": sub["id"]}))[0] == 404

    status, example = await post(client, "/v3/product/import", {"items": []})
    assert (status, example) == (200, {"result": {"task_id": 172549793}})
    assert ozon.spec_violations == []
    assert ozon.internal_errors == []


PNG_BYTES = png(4, 3, (200, 30, 30))
JPEG_BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


async def _history(client: httpx.AsyncClient, chat_id: str) -> list[dict[str, Any]]:
    body = {"chat_id": chat_id, "direction": "Forward", "from_message_id": "0"}
    status, page = await post(client, "/v3/chat/history", body)
    assert status == 200
    messages: list[dict[str, Any]] = page["messages"]
    return messages


async def test_text_with_pictures_as_in_ozons_history_example(
    ozon: FakeOzon, client: httpx.AsyncClient
) -> None:
    chat_id = ozon.add_chat()
    lines = ["Здравствуйте!", "Пришёл с царапиной, см. фото"]
    ozon.add_message(chat_id, lines, images=[PNG_BYTES, JPEG_BYTES])
    ozon.add_message(chat_id, is_image=True)  # today's single picture: data is just the link
    (message, single) = await _history(client, chat_id)
    assert message["is_image"] is True
    assert message["moderate_image_status"] == "SUCCESS"
    assert message["data"][:2] == lines
    links = message["data"][2:]
    assert len(links) == 2
    assert all(re.fullmatch(r"!\[\]\(http://127\.0\.0\.1:\d+/files/\w+/[^)]+\)", x) for x in links)
    async with httpx.AsyncClient() as anonymous:
        for link, picture in zip(links, [PNG_BYTES, JPEG_BYTES], strict=True):
            response = await anonymous.get(link[4:-1])
            assert response.status_code == 200
            assert response.content == picture
    assert links[0].endswith(".png)")
    assert links[1].endswith(".jpg)")
    assert single["is_image"] is True
    assert len(single["data"]) == 1
    assert single["data"][0].startswith("![](")
    assert ozon.spec_violations == []


async def test_moderation_status_and_buyer_edits(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    chat_id = ozon.add_chat()
    pictured = ozon.add_message(chat_id, "Вот фото", images=[PNG_BYTES], moderation="MODERATION")
    plain = ozon.add_message(chat_id, "Где заказ?")
    first, second = await _history(client, chat_id)
    assert first["moderate_image_status"] == "MODERATION"
    assert "moderate_image_status" not in second  # as before: only pictures carry it

    ozon.edit_message(chat_id, plain, text=["Где заказ?", "Уже неделя прошла"])
    ozon.edit_message(chat_id, pictured, moderation="FAILED")
    first, second = await _history(client, chat_id)
    assert second["data"] == ["Где заказ?", "Уже неделя прошла"]
    assert second["message_id"] == plain
    assert first["moderate_image_status"] == "FAILED"
    assert first["data"][0] == "Вот фото"
    assert first["data"][1].startswith("![](")  # the picture stays through an edit
    assert ozon.spec_violations == []


async def test_update_message_and_chat_closed_pushes(ozon: FakeOzon) -> None:
    chat_id = ozon.add_chat()
    message_id = ozon.add_message(chat_id, "Размер M подойдёт?")
    before = ozon.new_message_push(chat_id, message_id)
    ozon.edit_message(chat_id, message_id, text="Размер L подойдёт?")
    update = ozon.update_message_push(chat_id, message_id)
    assert list(update) == [*list(before)[:5], "updated_at", *list(before)[5:]]
    assert list(before)[4] == "created_at"
    assert update["message_type"] == "TYPE_UPDATE_MESSAGE"
    assert update["data"] == ["Размер L подойдёт?"]
    for key in ("chat_id", "chat_type", "message_id", "created_at", "user", "seller_id"):
        assert update[key] == before[key]
    stamp = datetime.fromisoformat(update["updated_at"].replace("Z", "+00:00"))
    created = datetime.fromisoformat(update["created_at"].replace("Z", "+00:00"))
    assert stamp >= created.replace(microsecond=0)

    closed = ozon.chat_closed_push(chat_id)
    assert closed == {
        "message_type": "TYPE_CHAT_CLOSED",
        "chat_id": chat_id,
        "chat_type": "Buyer_Seller",
        "user": before["user"],
        "seller_id": "7",
    }
