"""The order card's reads (postings, products), their models and `extras_allowed`, against the
stand-in (`bot/sandbox/orders.py`) held to the spec fixture's request and response schemas."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.ozon import AuthProblem, OzonAuthError, OzonNotFound, RetryPolicy, RolesInfo
from bot.ozon import orders as orders_module
from bot.ozon.client import OzonClient
from bot.ozon.orders import Posting, Scheme, extras_allowed
from bot.ozon.products import Money, Product, read_money
from bot.sandbox.buyers import BuyerSimulation
from tests.conftest import OZON_API_KEY, OZON_CLIENT_ID
from tests.fakes.ozon import MSG_NO_CHAT_ROLE, FakeOzon
from tests.fakes.ozon_spec import check_schema, load_spec

FBS_LIST, FBO_LIST = "/v4/posting/fbs/list", "/v3/posting/fbo/list"
FBS_GET, FBO_GET = "/v3/posting/fbs/get", "/v2/posting/fbo/get"
PRODUCTS = "/v3/product/info/list"
AUTH = {"Client-Id": OZON_CLIENT_ID, "Api-Key": OZON_API_KEY}
MUG, PLAID = "1830557412", "160249683"
NOW = datetime.now(UTC).replace(microsecond=0)
BEGIN, END = NOW + timedelta(days=2), NOW + timedelta(days=2, hours=12)
WINDOW = (BEGIN, END)
ALL_ON = {"postings": True, "products": True, "ratings": True, "reviews": True,
          "review_comments": True, "questions": True, "question_answers": True}  # fmt: skip
FEEDBACK_OFF = {"reviews": False, "review_comments": False, "questions": False,
                "question_answers": False}  # fmt: skip


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[OzonClient]:
    retry = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005, rng=random.Random(3))
    async with OzonClient(ozon.url, OZON_CLIENT_ID, OZON_API_KEY, retry=retry) as c:
        yield c


def rub(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="RUB")


def stock(ozon: FakeOzon) -> None:
    ozon.add_product(MUG, "Термокружка «Путник» 450 мл", "TK-450-GRY", "2490", old_price=3290)
    ozon.add_product(PLAID, "Плед флисовый", "PLD-150-GR", "1290.50")


async def find(client: OzonClient, order: str, days: int = 90) -> list[Posting]:
    until = datetime.now(UTC)
    return await client.postings_of_order(order, since=until - timedelta(days=days), until=until)


async def answer(ozon: FakeOzon, path: str, body: object, status: int = 200) -> Any:
    async with httpx.AsyncClient(base_url=ozon.url, headers=AUTH, timeout=5) as http:
        response = await http.post(path, json=body)
    assert response.status_code == status
    return response.json()


def card(p: Posting) -> tuple[object, ...]:
    lines = [(x.name, x.offer_id, x.sku, x.quantity, x.price) for x in p.products]
    return (p.posting_number, p.order_number, p.scheme, p.status, p.tracking_number, lines)


async def test_the_fbs_list_finds_an_orders_postings_over_pages(
    ozon: FakeOzon, client: OzonClient, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(orders_module, "_PAGE_LIMIT", 2)
    stock(ozon)
    for n in range(5):
        ozon.add_posting("33713378-0051", products=[(MUG, n + 1)], shipment_date=NOW,
                         in_process_at=NOW - timedelta(hours=5 - n), delivering_date=NOW,
                         scheme="rFBS" if n == 4 else "FBS", delivery_window=WINDOW,
                         tracking_number="RP1" if n == 4 else "")  # fmt: skip
    ozon.add_posting("99999999-0001", products=[PLAID])
    postings = await find(client, "33713378-0051")
    mug = ("Термокружка «Путник» 450 мл", "TK-450-GRY", MUG)
    assert [card(p) for p in postings] == [
        (f"33713378-0051-{n + 1}", "33713378-0051", Scheme.RFBS if n == 4 else Scheme.FBS,
         "awaiting_deliver", "RP1" if n == 4 else None, [(*mug, n + 1, rub("2490"))])
        for n in range(5)
    ]  # fmt: skip
    p = postings[0]
    assert (p.shipment_date, p.delivering_date, p.in_process_at, p.delivery_date_begin,
            p.delivery_date_end, p.client_delivery_date_begin, p.tpl_integration_type,
            p.delivery_method_name) == (NOW, NOW, NOW - timedelta(hours=5), BEGIN, END, None,
                                        "ozon", "Ozon Логистика курьеру, Москва")  # fmt: skip
    bodies = [r.body for r in ozon.requests if r.path == FBS_LIST]
    assert [b.get("cursor") for b in bodies] == [None, "2", "4"]
    assert bodies[0]["filter"]["order_numbers"] == ["33713378-0051"]
    assert bodies[0]["with"] == {"analytics_data": True}
    monkeypatch.setattr(orders_module, "_PAGE_LIMIT", 1)
    ozon.add_posting("33713378-0051", products=[MUG], in_process_at=NOW)
    assert len(await find(client, "33713378-0051")) == 5  # a few pages at most
    assert "still has_next after 5 pages" in caplog.text


async def test_fbo_when_the_fbs_list_finds_nothing(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    ozon.add_posting("16965409-0014", scheme="FBO", status="delivered", products=[PLAID],
                     substatus="posting_received", client_delivery_window=WINDOW)  # fmt: skip
    (posting,) = await find(client, "16965409-0014")
    plaid = ("Плед флисовый", "PLD-150-GR", PLAID, 1, rub("1290.5"))
    assert card(posting) == ("16965409-0014-1", "16965409-0014", Scheme.FBO, "delivered", None,
                             [plaid])  # fmt: skip
    assert (posting.client_delivery_date_begin, posting.client_delivery_date_end) == WINDOW
    assert (posting.substatus, posting.shipment_date) == ("posting_received", None)
    assert [r.path for r in ozon.requests] == [FBS_LIST, FBO_LIST]
    assert ozon.requests[1].body["with"] == {"analytics_data": True}

    ozon.add_posting("5-1", products=[MUG], in_process_at=NOW - timedelta(days=200))
    assert await find(client, "5-1") == []  # older than the window
    assert len(await find(client, "5-1", days=365)) == 1
    with pytest.raises(ValueError, match="a year"):
        await find(client, "5-1", days=366)
    with pytest.raises(ValueError, match="after"):
        await client.postings_of_order("5-1", since=NOW, until=NOW - timedelta(seconds=1))
    with pytest.raises(ValueError, match="empty"):
        await find(client, "  ")
    moscow = timezone(timedelta(hours=3))
    naive, aware = datetime(2026, 11, 1), datetime(2026, 11, 29, 3, tzinfo=moscow)
    await client.postings_of_order("5-1", since=naive, until=aware)
    search = ozon.requests[-1].body["filter"]
    assert (search["since"], search["to"]) == ("2026-11-01T00:00:00Z", "2026-11-29T00:00:00Z")


async def test_get_methods_and_unknown_dates(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    fbs = ozon.add_posting("7-1", scheme="rFBS", products=[MUG, (PLAID, 2)], shipment_date=NOW,
                           delivery_window=WINDOW, tracking_number="RP123")  # fmt: skip
    fbo = ozon.add_posting("8-1", scheme="FBO", products=[PLAID], client_delivery_window=WINDOW)
    p = await client.fbs_posting(fbs)
    assert card(p)[2:5] == (Scheme.RFBS, "awaiting_deliver", "RP123")
    lines = [(x.sku, x.quantity, x.price) for x in p.products]
    assert lines == [(MUG, 1, rub("2490")), (PLAID, 2, rub("1290.5"))]
    assert (p.delivery_date_begin, p.delivery_date_end, p.shipment_date) == (BEGIN, END, NOW)
    assert ozon.requests[-1].body == {"posting_number": fbs, "with": {"analytics_data": True}}
    o = await client.fbo_posting(fbo)
    assert (o.scheme, o.order_number, o.client_delivery_date_begin) == (Scheme.FBO, "8-1", None)
    with pytest.raises(OzonNotFound):
        await client.fbs_posting(fbo)
    with pytest.raises(OzonNotFound):
        await client.fbo_posting(fbs)

    unknown = [ozon.add_posting(f"9-{n}", products=[MUG]) for n in range(2)]  # quirks: null, zero
    for number in unknown:
        p = await client.fbs_posting(number)
        assert [p.shipment_date, p.delivering_date, p.delivery_date_end] == [None] * 3
    raws = [(await answer(ozon, FBS_GET, {"posting_number": n}))["result"] for n in unknown]
    assert [r["shipment_date"] for r in raws] == [None, "0001-01-01T00:00:00Z"]
    assert raws[0]["analytics_data"] is None  # not asked for


def test_models_read_what_is_there() -> None:
    def scheme(**raw: Any) -> Scheme:
        return Posting.model_validate({"posting_number": "1-1-1", **raw}).scheme

    assert scheme(tpl_integration_type="ozon") is scheme(tpl_integration_type="OZON ") is Scheme.FBS
    for other in ("non_integrated", "aggregator", "3pl_tracking", "hybryd", "", None):
        assert scheme(tpl_integration_type=other) is Scheme.RFBS
    assert scheme(scheme="FBO") is Scheme.RFBS  # never taken from the answer
    raw: dict[str, Any] = {
        "posting_number": " 1-1-1 ", "in_process_at": "2026-11-25T12:40:00+03:00",
        "shipment_date": "2026-11-26T10:00:00", "delivering_date": "garbage", "status": None,
        "tracking_number": "", "analytics_data": None, "delivery_method": None, "order_id": "x",
        "products": ["junk", None, {"sku": 0, "quantity": "2", "price": "n/a"}, {"price": {}}],
    }  # fmt: skip
    p = Posting.model_validate(raw)
    moments = (datetime(2026, 11, 25, 9, 40, tzinfo=UTC), datetime(2026, 11, 26, 10, tzinfo=UTC))
    assert (p.posting_number, p.in_process_at, p.shipment_date) == ("1-1-1", *moments)
    assert [p.delivering_date, p.tracking_number, p.order_id, p.status] == [None] * 4
    assert [(x.sku, x.quantity, x.price) for x in p.products] == [(None, 2, None), (None,) * 3]
    odd = {"postings": [raw, {"order_number": "no posting number"}, 7], "has_next": "false"}
    page = orders_module._PostingPage.model_validate(odd)
    assert ([p.posting_number for p in page.postings], page.has_next) == (["1-1-1"], False)

    assert read_money("2490.0000", "rub") == rub("2490")
    assert read_money({"amount": "137.00", "currency": "RUB"}) == rub("137")
    assert read_money({"amount": 137.5}, "RUB") == rub("137.5")
    assert read_money(12) == Money(amount=Decimal(12), currency=None)
    for junk in (None, "", " ", "n/a", "NaN", "Infinity", True, ["1"], {"currency": "RUB"}):
        assert read_money(junk, "RUB") is None
    product = Product.model_validate({"sku": 1830557412, "id": "1207652291", "price": "2490.00",
                                      "old_price": "", "currency_code": "RUB",
                                      "primary_image": "x.jpg"})  # fmt: skip
    assert (product.sku, product.id, product.price, product.old_price, product.primary_image) == (
        MUG, "1207652291", rub("2490"), None, "x.jpg")  # fmt: skip
    assert Product.model_validate({"primary_image": [None, "", "a.jpg"]}).primary_image == "a.jpg"


async def test_products_by_sku(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    products = await client.products_by_sku([PLAID, "0", "", "abc", f" {MUG}", PLAID, "404"])
    assert ozon.requests[-1].body == {"sku": [PLAID, MUG, "404"]}
    assert [(p.sku, p.offer_id, p.price, p.old_price) for p in products] == [
        (MUG, "TK-450-GRY", rub("2490"), rub("3290")), (PLAID, "PLD-150-GR", rub("1290.5"), None)
    ]  # fmt: skip
    async with httpx.AsyncClient() as http:
        picture = await http.get(products[0].primary_image or "")
    assert picture.content.startswith(b"\x89PNG")
    assert await client.products_by_sku(["0", ""]) == []
    assert ozon.count(PRODUCTS) == 1
    with pytest.raises(TypeError):
        await client.products_by_sku(MUG)


async def test_refused_keys_are_refused_once(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    fbo = ozon.add_posting("2-1", scheme="FBO", products=[MUG])
    ozon.refuse_orders()
    with pytest.raises(OzonAuthError) as caught:
        await find(client, "2-1")
    refusal = (caught.value.status, caught.value.kind, caught.value.path)
    assert refusal == (403, AuthProblem.MISSING_ROLE, FBO_LIST)
    with pytest.raises(OzonAuthError):
        await client.fbo_posting(fbo)
    ozon.refuse_products()
    with pytest.raises(OzonAuthError):
        await client.products_by_sku([MUG])
    counts = [ozon.count(path) for path in (FBS_LIST, FBO_LIST, FBO_GET, PRODUCTS)]
    assert (counts, client.request_count) == ([1, 1, 1, 1], 4)  # none retried
    assert (await client.list_chats()).chats == []  # the chat role is untouched

    ozon.refuse_orders(False)
    ozon.fail_next(FBS_LIST, 403, message=MSG_NO_CHAT_ROLE)  # a key with the FBO role alone
    assert [p.scheme for p in await find(client, "2-1")] == [Scheme.FBO]
    ozon.add_posting("3-1", products=[MUG])
    ozon.fail_next(FBO_LIST, 403, message=MSG_NO_CHAT_ROLE)  # the FBS role alone
    assert await find(client, "404-1") == []
    ozon.fail_next(FBS_LIST, 503, count=2)  # Ozon failing, then recovering: a read is retried
    assert len(await find(client, "3-1")) == 1


async def test_extras_allowed_from_the_roles(ozon: FakeOzon, client: OzonClient) -> None:
    assert extras_allowed(await client.roles()) == ALL_ON
    ozon.refuse_orders()
    ozon.refuse_ratings()
    assert extras_allowed(await client.roles()) == {**ALL_ON, "postings": False, "ratings": False}
    ozon.refuse_products()
    ozon.refuse_reviews()
    ozon.refuse_questions()
    roles = await client.roles()
    assert (set(extras_allowed(roles).values()), roles.has_chat_access) == ({False}, True)

    def allowed(*methods: str) -> dict[str, bool]:
        role = {"name": "Какая-то роль", "methods": methods}  # names do not matter
        return extras_allowed(RolesInfo.model_validate({"roles": [role]}))

    assert allowed(FBO_LIST) == {"postings": True, "products": False, "ratings": False,
                                 **FEEDBACK_OFF}  # fmt: skip
    assert allowed(FBS_GET, "/v1/rating/history", "/v3/product/list") == allowed()
    assert allowed(FBS_LIST, "/v1/rating/summary", PRODUCTS) == {**ALL_ON, **FEEDBACK_OFF}


async def test_stand_in_answers_follow_the_schemas(ozon: FakeOzon) -> None:
    schemas = {path: entry.get("response200Schema") for path, entry in load_spec()["paths"].items()}
    to = datetime.now(UTC) + timedelta(days=1)
    search = {"since": (to - timedelta(days=2)).isoformat(), "to": to.isoformat()}
    async with FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY, quirks=False) as canonical:
        for fake in (canonical, ozon):  # with quirks, only Ozon's nulls stray from the schema
            stock(fake)
            for scheme in ("FBS", "rFBS", "FBO"):  # 4-1-1 .. 4-1-6
                fake.add_posting("4-1", scheme=scheme, products=[MUG, (PLAID, 3)],
                                 shipment_date=NOW, delivery_window=WINDOW,
                                 client_delivery_window=WINDOW)  # fmt: skip
                fake.add_posting("4-1", scheme=scheme, products=[MUG])
            for asked in ({"analytics_data": True}, {"analytics_data": False}):
                calls = [(path, {"filter": search, "limit": 10, "with": asked})
                         for path in (FBS_LIST, FBO_LIST)]  # fmt: skip
                gets = ((FBS_GET, 1), (FBS_GET, 4), (FBO_GET, 5), (FBO_GET, 6))
                calls += [(path, {"posting_number": f"4-1-{n}", "with": asked}) for path, n in gets]
                calls.append((PRODUCTS, {"sku": [MUG, PLAID]}))
                for path, body in calls:
                    problems = check_schema(schemas[path], await answer(fake, path, body))
                    assert [p for p in problems if fake is canonical or "got null" not in p] == []
            assert len((await answer(fake, FBS_LIST, calls[0][1]))["postings"]) == 4
        period = {"since": "2026-11-01T00:00:00Z", "to": "2026-11-29T00:00:00Z"}
        year = {**period, "since": "2025-11-01T00:00:00Z"}
        for path, bad, fragment in [
            (FBS_LIST, {"filter": period}, "limit: required"),
            (FBS_LIST, {"filter": year, "limit": 1}, "a year"),
            (FBO_LIST, {"filter": {**period, "order_numbers": "1"}, "limit": 1}, "expected array"),
            (FBS_GET, {"with": {"analytics_data": True}}, "posting_number: required"),
            (PRODUCTS, {"sku": [int(MUG)]}, "expected string"),
        ]:
            await answer(canonical, path, bad, status=400)
            assert fragment in canonical.spec_violations.pop()


async def test_the_sandbox_buyers_orders_have_cards(ozon: FakeOzon, client: OzonClient) -> None:
    for buyer in BuyerSimulation(ozon, buyers=4, seed=5).buyers:
        (posting,) = await find(client, buyer.order_number)
        assert posting.posting_number == f"{buyer.order_number}-1"
        assert [p.sku for p in posting.products] == [buyer.sku]
        assert posting.delivery_date_begin or posting.client_delivery_date_begin
        (product,) = await client.products_by_sku([buyer.sku])
        assert None not in (product.name, product.price, product.old_price)
