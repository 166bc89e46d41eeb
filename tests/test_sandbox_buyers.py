"""The sandbox's simulated buyers (bot/sandbox/buyers.py): reproducible with a seed, driven by a
virtual clock, reacting to staff through the stand-in's send methods."""

from __future__ import annotations

import asyncio
import base64
import heapq
import itertools
import re
import struct
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox.buyers import Buyer, BuyerSimulation, Timings
from bot.sandbox.model import StandInMessage
from bot.sandbox.phrases import (
    AFTER_FILE,
    ANOTHER_QUESTION,
    BUYER_NAMES,
    PRODUCT_QUESTIONS,
    REVIEWS_COMPLAINING,
    REVIEWS_PRAISING,
    THANKS,
    TOPICS,
)
from bot.sandbox.pictures import png
from tests.conftest import OZON_API_KEY, OZON_CLIENT_ID
from tests.fakes.ozon import FakeOzon

TIMINGS = Timings(mean_interval=40.0, reply_delay=4.0, close_after=90.0, close_chance=1.0)


class VirtualClock:
    """Time that moves only when the test says so; sleepers wake in order of their deadline."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        target = self.now + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self.now = deadline
            if not future.done():
                future.set_result(None)
            await settle()
        self.now = target


async def settle() -> None:
    """Let every task that can run do so."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Client-Id": OZON_CLIENT_ID, "Api-Key": OZON_API_KEY}
    async with httpx.AsyncClient(base_url=ozon.url, headers=headers, timeout=5) as http:
        yield http


def buyer_messages(ozon: FakeOzon, buyer: Buyer) -> list[StandInMessage]:
    assert buyer.chat_id is not None
    return [m for m in ozon.messages(buyer.chat_id) if m.is_customer]


def snapshot(ozon: FakeOzon) -> list[tuple[str, list[str], str | None, str | None, int]]:
    return [
        (m.user_id, m.data, m.order_number, m.sku, len(m.pictures))
        for chat in ozon.chats.values()
        for m in chat.messages
    ]


def test_buyers_are_plausible_and_reproducible_with_a_seed() -> None:
    first, second, other = FakeOzon(), FakeOzon(), FakeOzon()
    sims = [BuyerSimulation(o, seed=seed) for o, seed in ((first, 7), (second, 7), (other, 8))]
    for sim in sims:
        for buyer in sim.buyers:
            sim.write(buyer)
    described = [[(b.name, b.user_id, b.order_number, b.sku) for b in s.buyers] for s in sims]
    assert described[0] == described[1]
    assert described[0] != described[2]
    assert snapshot(first) == snapshot(second)

    buyers = sims[0].buyers
    assert 3 <= len(buyers) <= 5
    assert len({b.name for b in buyers}) == len(buyers)
    assert {b.name for b in buyers} <= set(BUYER_NAMES)
    for buyer in buyers:
        assert re.fullmatch(r"\d{8}-\d{4}", buyer.order_number)
        assert re.fullmatch(r"\d{6,9}", buyer.sku)
        (message,) = buyer_messages(first, buyer)
        assert message.user_id == buyer.user_id
        assert (message.order_number, message.sku) == (buyer.order_number, buyer.sku)
        assert re.search("[а-яА-Я]", "\n".join(message.data))
        assert "{" not in "\n".join(message.data)
        assert first.chats[buyer.chat_id or ""].posting_number == f"{buyer.order_number}-1"


def test_every_topic_opens_and_only_defects_come_with_photos() -> None:
    seen: set[str] = set()
    for seed in range(40):
        ozon = FakeOzon()
        sim = BuyerSimulation(ozon, buyers=3, seed=seed)
        for buyer in sim.buyers:
            sim.write(buyer)
            (message,) = buyer_messages(ozon, buyer)
            seen.add(buyer.topic)
            if TOPICS[buyer.topic].with_picture:
                assert message.is_image
                assert 1 <= len(message.pictures) <= 2
                for token, _ in message.pictures:
                    assert ozon._files[token][1].startswith(b"\x89PNG\r\n\x1a\n")
            else:
                assert not message.is_image
    assert seen == set(TOPICS)


def test_a_buyer_reminds_a_few_times_then_waits() -> None:
    ozon = FakeOzon()
    sim = BuyerSimulation(ozon, buyers=3, timings=Timings(close_chance=0.0), seed=1)
    buyer = sim.buyers[0]
    assert sim.write(buyer) is not None  # opens the chat
    assert sim.write(buyer) is not None
    assert sim.write(buyer) is not None
    assert sim.write(buyer) is None
    nudges = [m.data[0] for m in buyer_messages(ozon, buyer)[1:]]
    assert len(set(nudges)) == 2
    assert set(nudges) <= set(TOPICS[buyer.topic].nudges)
    sim.answer(buyer)  # staff answered: the buyer may remind again
    if not buyer.thanked:
        assert sim.write(buyer) is not None


async def test_staff_message_is_answered_after_the_delay(
    ozon: FakeOzon, client: httpx.AsyncClient
) -> None:
    clock = VirtualClock()
    sim = BuyerSimulation(ozon, buyers=3, timings=TIMINGS, seed=3, sleep=clock.sleep)
    sim.start()
    try:
        await clock.advance(TIMINGS.mean_interval / 2)  # everyone has written once
        buyer = sim.buyers[0]
        assert buyer.chat_id is not None
        before = len(buyer_messages(ozon, buyer))
        sent_at = clock.now
        # The send is answered at once: the buyer answers later, outside the request.
        answer = await client.post(
            "/v1/chat/send/message", json={"chat_id": buyer.chat_id, "text": "Добрый день!"}
        )
        assert answer.status_code == 200
        assert buyer.answering
        while len(buyer_messages(ozon, buyer)) == before:
            await clock.advance(0.1)
            assert clock.now - sent_at <= 1.5 * TIMINGS.reply_delay + 0.1
        assert clock.now - sent_at >= 0.5 * TIMINGS.reply_delay
        reply = buyer_messages(ozon, buyer)[before]
        topic = TOPICS[buyer.topic]
        assert reply.data[0] in (*topic.follow_ups, *topic.picture_follow_ups, *THANKS)
        chat = ozon.messages(buyer.chat_id)
        staff_at = next(i for i, m in enumerate(chat) if not m.is_customer)
        assert chat.index(reply) > staff_at
    finally:
        await sim.stop()
    assert ozon.internal_errors == []


async def test_a_file_from_staff_is_answered_too(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    clock = VirtualClock()
    sim = BuyerSimulation(ozon, buyers=3, timings=TIMINGS, seed=4, sleep=clock.sleep)
    sim.start()
    try:
        await clock.advance(TIMINGS.mean_interval / 2)
        buyer = sim.buyers[1]
        before = len(buyer_messages(ozon, buyer))
        body = {
            "chat_id": buyer.chat_id,
            "base64_content": base64.b64encode(png(8, 8, (0, 0, 255))).decode(),
            "name": "упаковка.png",
        }
        assert (await client.post("/v1/chat/send/file", json=body)).status_code == 200
        await clock.advance(1.5 * TIMINGS.reply_delay)
        replies = buyer_messages(ozon, buyer)[before:]
        assert replies
        topic = TOPICS[buyer.topic]
        options = (*AFTER_FILE, *topic.follow_ups, *topic.picture_follow_ups, *THANKS)
        assert replies[0].data[0] in options
    finally:
        await sim.stop()


async def test_thanks_then_ozon_closes_the_chat_and_a_new_order_opens_a_new_one() -> None:
    ozon = FakeOzon()
    clock = VirtualClock()
    sim = BuyerSimulation(ozon, buyers=3, timings=TIMINGS, seed=5, sleep=clock.sleep)
    buyer = sim.buyers[0]
    sim.write(buyer)
    first_chat, first_order = buyer.chat_id, buyer.order_number
    assert first_chat is not None
    for _ in range(buyer.patience):
        sim.answer(buyer)
    assert buyer.thanked
    assert buyer_messages(ozon, buyer)[-1].data[0] in THANKS
    assert sim.answer(buyer) is None  # nothing more to say
    await clock.advance(TIMINGS.close_after - 1)
    assert ozon.chats[first_chat].status == "OPENED"
    await clock.advance(1)
    assert ozon.chats[first_chat].status == "CLOSED"

    sim.write(buyer)
    assert buyer.chat_id not in (None, first_chat)
    assert buyer.order_number != first_order
    assert not buyer.thanked
    await sim.stop()


async def test_after_thanks_without_closing_a_new_question_comes_in_the_same_chat() -> None:
    ozon = FakeOzon()
    clock = VirtualClock()
    timings = Timings(close_chance=0.0)
    sim = BuyerSimulation(ozon, buyers=3, timings=timings, seed=6, sleep=clock.sleep)
    buyer = sim.buyers[2]
    sim.write(buyer)
    chat = buyer.chat_id
    for _ in range(buyer.patience):
        sim.answer(buyer)
    assert buyer.thanked
    await clock.advance(timings.close_after * 2)
    quiet_turns = 0
    while sim.write(buyer) is None:  # a thanked buyer keeps quiet for a while
        quiet_turns += 1
        assert quiet_turns < 50
    assert buyer.chat_id == chat
    assert ozon.chats[chat or ""].status == "OPENED"
    assert buyer_messages(ozon, buyer)[-1].data[0] == ANOTHER_QUESTION
    await sim.stop()


async def test_stopped_buyers_answer_nobody(ozon: FakeOzon, client: httpx.AsyncClient) -> None:
    clock = VirtualClock()
    sim = BuyerSimulation(ozon, buyers=3, timings=TIMINGS, seed=7, sleep=clock.sleep)
    sim.start()
    await clock.advance(TIMINGS.mean_interval / 2)
    await sim.stop()
    counts = [len(buyer_messages(ozon, b)) for b in sim.buyers]
    buyer = sim.buyers[0]
    body = {"chat_id": buyer.chat_id, "text": "Вы здесь?"}
    assert (await client.post("/v1/chat/send/message", json=body)).status_code == 200
    await clock.advance(TIMINGS.mean_interval * 10)
    assert [len(buyer_messages(ozon, b)) for b in sim.buyers] == counts


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="buyers"):
        BuyerSimulation(FakeOzon(), buyers=0)
    with pytest.raises(ValueError, match="mean_interval"):
        BuyerSimulation(FakeOzon(), timings=Timings(mean_interval=0))
    with pytest.raises(ValueError, match="feedback_interval"):
        BuyerSimulation(FakeOzon(), timings=Timings(feedback_interval=-1))


def feedback(ozon: FakeOzon) -> list[tuple[object, ...]]:
    left: list[tuple[object, ...]] = [
        ("review", r.sku, r.text, r.rating, r.order_status, len(r.photos))
        for r in ozon.reviews.values()
    ]
    return left + [("question", q.sku, q.text, q.author_name) for q in ozon.questions.values()]


async def test_buyers_review_what_they_ordered_and_ask_about_it(
    ozon: FakeOzon, client: httpx.AsyncClient
) -> None:
    sim = BuyerSimulation(ozon, buyers=4, seed=9)
    left = [sim.feedback.leave() for _ in range(80)]
    assert set(left) == set(ozon.reviews) | set(ozon.questions)
    skus = {int(b.sku) for b in sim.buyers}
    assert {r.sku for r in ozon.reviews.values()} | {q.sku for q in ozon.questions.values()} <= skus
    ratings = [r.rating for r in ozon.reviews.values()]
    assert {"complaints", "praise"} == {"complaints" if n <= 3 else "praise" for n in ratings}
    for review in ozon.reviews.values():
        phrases = REVIEWS_COMPLAINING if review.rating <= 3 else REVIEWS_PRAISING
        assert review.text in phrases
        assert review.order_status == "DELIVERED" or review.rating <= 3
    assert any(r.photos for r in ozon.reviews.values())
    assert any(not r.photos for r in ozon.reviews.values())
    names = {b.name for b in sim.buyers}
    assert {q.author_name for q in ozon.questions.values()} <= names
    assert {q.text for q in ozon.questions.values()} <= set(PRODUCT_QUESTIONS)
    assert all(re.search("[а-яА-Я]", text) for text in (*PRODUCT_QUESTIONS, *REVIEWS_COMPLAINING))
    listed = await client.post("/v2/review/list", json={"limit": 100})
    shown = {str(r["sku"]) for r in listed.json()["reviews"]}
    products = await client.post("/v3/product/info/list", json={"sku": sorted(shown)})
    assert {str(p["sku"]) for p in products.json()["items"]} == shown  # each product resolves
    photo = next(r for r in ozon.reviews.values() if r.photos)
    async with httpx.AsyncClient() as anonymous:
        served = await anonymous.get(ozon.photo_urls(photo.id)[0])
    assert served.content.startswith(b"\x89PNG")


async def test_feedback_comes_now_and_then_until_the_buyers_stop() -> None:
    ozon, clock = FakeOzon(), VirtualClock()
    timings = Timings(mean_interval=1e9, feedback_interval=30.0)  # chats: one opener at most
    sim = BuyerSimulation(ozon, buyers=3, timings=timings, seed=2, sleep=clock.sleep)
    sim.start()
    await clock.advance(600)
    await sim.stop()
    left = len(feedback(ozon))
    assert 5 <= left <= 60  # about one every 30 s of simulated time
    await clock.advance(600)
    assert len(feedback(ozon)) == left


def test_feedback_is_reproducible_and_leaves_the_chats_as_the_seed_makes_them() -> None:
    first, second, quiet = FakeOzon(), FakeOzon(), FakeOzon()
    sims = [BuyerSimulation(ozon, buyers=3, seed=2) for ozon in (first, second, quiet)]
    for turn in range(4):
        for index, sim in enumerate(sims):
            if index < 2:  # the third writes the same without any feedback
                sim.feedback.leave()
            sim.write(sim.buyers[turn % 3])
    assert feedback(first) == feedback(second) != []
    assert feedback(quiet) == []
    assert snapshot(first) == snapshot(second) == snapshot(quiet)


def test_generated_png_is_a_valid_picture() -> None:
    data = png(12, 6, (10, 20, 30), (250, 0, 0))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        at += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[b"IHDR"]) == (12, 6, 8, 2, 0, 0, 0)
    rows = zlib.decompress(chunks[b"IDAT"])
    assert len(rows) == 6 * (1 + 3 * 12)
    pixels = {rows[i : i + 3] for r in range(6) for i in range(r * 37 + 1, r * 37 + 37, 3)}
    assert pixels == {bytes((10, 20, 30)), bytes((250, 0, 0))}
    with pytest.raises(ValueError, match="width"):
        png(0, 1, (0, 0, 0))
