"""Parsing of Ozon chat payloads, including every quirk of Ozon's own examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.ozon import (
    Author,
    ChatMessage,
    ChatPage,
    ChatStatus,
    ChatSummary,
    HistoryPage,
    RolesInfo,
    canonical_id,
    fold_enum,
    message_id_key,
)

# The 200 examples of /v3/chat/list and /v3/chat/history, verbatim from Ozon's OpenAPI document.
LIST_EXAMPLE = """{"chats": [{"chat": {"created_at": "2022-07-22T08:07:19.581Z",
 "chat_id": "5e767w03-b400-4y1b-a841-75319ca8a5c8", "chat_status": "Opened",
 "chat_type": "Seller_Support"}, "first_unread_message_id": "3000000000118021931",
 "last_message_id": "30000000001280042740", "unread_count": 1}], "total_unread_count": 5,
 "cursor": "30000002342123123", "has_next": "true"}"""
HISTORY_EXAMPLE = """{"has_next": true, "messages": [{"context": {"order_number": "123456789",
 "sku": "987654321"}, "created_at": "2019-08-24T14:15:22Z", "data": ["Здравствуйте, у меня
 вопрос по вашему товару"], "is_image": true, "is_read": true, "message_id":
 "3000000000817031942", "moderate_image_status": "SUCCESS", "user": {"id": "115568",
 "type": "Сustomer"}}]}""".replace("\n", "")


def test_list_example_parses() -> None:
    page = ChatPage.model_validate(json.loads(LIST_EXAMPLE))
    assert page.has_next is True
    assert page.cursor == "30000002342123123"
    assert page.total_unread_count == 5
    (chat,) = page.chats
    assert chat.chat_id == "5e767w03-b400-4y1b-a841-75319ca8a5c8"
    assert chat.status is ChatStatus.OPENED
    assert chat.chat_type == "SELLER_SUPPORT"
    assert not chat.is_buyer_chat
    assert chat.created_at == datetime(2022, 7, 22, 8, 7, 19, 581000, tzinfo=UTC)
    assert chat.first_unread_message_id == "3000000000118021931"
    assert chat.last_message_id == "30000000001280042740"
    assert chat.unread_count == 1


def test_history_example_parses() -> None:
    page = HistoryPage.model_validate(json.loads(HISTORY_EXAMPLE))
    assert page.has_next is True
    (message,) = page.messages
    assert message.message_id == "3000000000817031942"
    assert message.author is Author.CUSTOMER  # spelled with a Cyrillic С in the example
    assert message.user_id == "115568"
    assert message.order_number == "123456789"
    assert message.sku == "987654321"
    assert message.is_image
    assert message.is_read
    assert message.moderate_image_status == "SUCCESS"
    assert message.created_at == datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)
    assert message.text.startswith("Здравствуйте")


def test_id_beyond_int64_round_trips_exactly() -> None:
    big = 30000000001280042740  # above 2**53 and above int64; Ozon sends it as a number too
    raw = json.dumps({"chat": {"chat_id": "c"}, "last_message_id": big})
    chat = ChatSummary.model_validate(json.loads(raw))
    assert chat.last_message_id == "30000000001280042740"
    assert int(chat.last_message_id) == big
    assert json.dumps(int(chat.last_message_id)) == "30000000001280042740"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3000000000817031942, "3000000000817031942"), ("3000000000817031942", "3000000000817031942"),
     (" 42 ", "42"), ("007", "7"), (0, "0")],
)  # fmt: skip
def test_canonical_id(raw: object, expected: str) -> None:
    assert canonical_id(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-1", "1e18", 3.0e18, True, None, "١٢"])
def test_canonical_id_rejects_non_ids(raw: object) -> None:
    with pytest.raises(ValueError, match="id"):
        canonical_id(raw)


def test_bad_message_id_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        ChatMessage.model_validate({"message_id": "x1", "created_at": "2024-01-01T00:00:00Z"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("True", True), ("false", False), (True, True), (False, False), (None, False)],
)
def test_has_next_as_bool_or_string(raw: object, expected: bool) -> None:
    assert HistoryPage.model_validate({"has_next": raw}).has_next is expected
    assert ChatPage.model_validate({"has_next": raw}).has_next is expected


def test_missing_fields_have_defaults() -> None:
    assert ChatPage.model_validate({}) == ChatPage(chats=[], cursor=None, has_next=False)
    message = ChatMessage.model_validate({"message_id": 5, "created_at": "2024-01-01T00:00:00Z"})
    assert message.data == []
    assert message.text == ""
    assert message.author is Author.UNKNOWN
    assert message.user_id is message.sku is message.order_number is None
    assert message.moderate_image_status is None
    assert not message.is_image
    chat = ChatSummary.model_validate({"chat": {"chat_id": "c"}, "last_message_id": "0"})
    assert chat.last_message_id is None
    assert chat.first_unread_message_id is None
    assert chat.status is ChatStatus.UNSPECIFIED
    assert chat.chat_type == "UNSPECIFIED"
    assert chat.created_at is None


def test_nulls_are_tolerated() -> None:
    message = ChatMessage.model_validate(
        {"message_id": "1", "created_at": "2024-01-01T00:00:00Z", "data": None, "context": None,
         "user": None, "moderate_image_status": ""}
    )  # fmt: skip
    assert message.data == []
    assert ChatPage.model_validate({"chats": None, "cursor": ""}).cursor is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("OPENED", ChatStatus.OPENED), ("Opened", ChatStatus.OPENED), ("opened", ChatStatus.OPENED),
     ("ОPENED", ChatStatus.OPENED), ("CLOSED", ChatStatus.CLOSED), ("Closed", ChatStatus.CLOSED),
     ("ARCHIVED", ChatStatus.UNSPECIFIED), ("", ChatStatus.UNSPECIFIED)],
)  # fmt: skip
def test_chat_status_spellings(raw: str, expected: ChatStatus) -> None:
    assert ChatSummary.model_validate({"chat_id": "c", "chat_status": raw}).status is expected


@pytest.mark.parametrize(
    ("raw", "buyer"),
    [("BUYER_SELLER", True), ("Buyer_Seller", True), ("buyer_seller", True),
     ("BUYER_SELLER_SELECT", True), ("Buyer_Seller_Select", True), ("Вuyer_Seller", True),
     ("SELLER_SUPPORT", False), ("Seller_Notification", False), ("UNSPECIFIED", False)],
)  # fmt: skip
def test_chat_type_is_normalised(raw: str, buyer: bool) -> None:
    chat = ChatSummary.model_validate({"chat": {"chat_id": "c", "chat_type": raw}})
    assert chat.chat_type == chat.chat_type.upper()
    assert chat.is_buyer_chat is buyer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Customer", Author.CUSTOMER), ("customer", Author.CUSTOMER), ("Сustomer", Author.CUSTOMER),
     ("СUSТОМЕR", Author.CUSTOMER), ("Seller", Author.SELLER), ("Sеller", Author.SELLER),
     ("Crm", Author.CRM), ("СRМ", Author.CRM), ("Courier", Author.COURIER),
     ("Support", Author.SUPPORT), ("NotificationUser", Author.NOTIFICATION_USER),
     ("notification_user", Author.NOTIFICATION_USER),
     ("NOTIFICATION_USER", Author.NOTIFICATION_USER),
     ("Robot", Author.UNKNOWN), ("", Author.UNKNOWN), (None, Author.UNKNOWN), (7, Author.UNKNOWN)],
)  # fmt: skip
def test_author_spellings(raw: object, expected: Author) -> None:
    assert Author.parse(raw) is expected
    message = ChatMessage.model_validate(
        {"message_id": "1", "created_at": "2024-01-01T00:00:00Z", "user": {"id": 9, "type": raw}}
    )
    assert message.author is expected
    assert message.user_id == "9"


def test_fold_enum_maps_cyrillic_lookalikes() -> None:
    assert fold_enum(" СсОоЕеАаРрХхКМТНВ ") == "CCOOEEAAPPXXKMTHB"


@pytest.mark.parametrize(
    "raw",
    ["2024-03-01T12:00:00Z", "2024-03-01T12:00:00.000Z", "2024-03-01T15:00:00+03:00",
     "2024-03-01T12:00:00.000000+00:00", "2024-03-01T12:00:00"],
)  # fmt: skip
def test_timestamps_become_aware_utc(raw: str) -> None:
    message = ChatMessage.model_validate({"message_id": "1", "created_at": raw})
    assert message.created_at == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert message.created_at.utcoffset() is not None
    assert message.created_at.tzinfo is UTC


def test_fractional_seconds_are_kept() -> None:
    message = ChatMessage.model_validate(
        {"message_id": "1", "created_at": "2022-07-18T20:58:04.528Z"}
    )
    assert message.created_at.microsecond == 528000


def test_sku_as_number_and_text_join() -> None:
    message = ChatMessage.model_validate(
        {"message_id": 1, "created_at": "2024-01-01T00:00:00Z", "data": ["a", "b"],
         "context": {"sku": 987654321, "order_number": "1-2"}}
    )  # fmt: skip
    assert message.sku == "987654321"
    assert message.text == "a\nb"


def test_message_ids_order_as_integers() -> None:
    ids = ["1000", "999", "30000000001280042740", "3000000000817031942"]
    assert sorted(ids, key=message_id_key) == [
        "999",
        "1000",
        "3000000000817031942",
        "30000000001280042740",
    ]
    message = ChatMessage.model_validate({"message_id": 1000, "created_at": "2024-01-01T00:00Z"})
    assert message.key == 1000


def test_flat_construction_for_other_modules() -> None:
    chat = ChatSummary(chat_id="c", status=ChatStatus.OPENED, chat_type="BUYER_SELLER")
    assert chat.is_buyer_chat
    message = ChatMessage(
        message_id="7",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        data=["hi"],
        author=Author.SELLER,
    )
    assert message.text == "hi"


def _roles(*methods: str, expires: Any = "2026-12-01T00:00:00Z") -> RolesInfo:
    return RolesInfo.model_validate(
        {"roles": [{"name": "Chat", "methods": list(methods)}], "expires_at": expires}
    )


def test_roles_access() -> None:
    full = _roles("/v3/chat/list", "/v3/chat/history", "/v1/chat/send/message")
    assert full.has_chat_access
    assert full.can_send
    assert full.expires_at == datetime(2026, 12, 1, tzinfo=UTC)
    read_only = _roles("/v3/chat/list", "/v3/chat/history", expires=None)
    assert read_only.has_chat_access
    assert not read_only.can_send
    assert read_only.expires_at is None
    assert not _roles("/v3/chat/list").has_chat_access
    assert not RolesInfo.model_validate({}).has_chat_access


def test_an_unreadable_entry_costs_only_itself() -> None:
    good = json.loads(HISTORY_EXAMPLE)["messages"][0]
    page = HistoryPage.model_validate(
        {
            "has_next": "true",
            "messages": [
                good,
                {**good, "message_id": "3000000000817031943", "data": [{"block": "text"}]},
                {**good, "message_id": "-1"},
                {**good, "message_id": "3000000000817031944", "created_at": "вчера"},
            ],
        }
    )
    assert page.has_next is True
    first, odd, late = page.messages
    assert (first.message_id, first.unreadable) == ("3000000000817031942", None)
    # Kept in its place, with what could be read of it, and said to be unreadable.
    assert odd.message_id == "3000000000817031943"
    assert odd.unreadable == "data.0: Input should be a valid string"
    assert odd.author is Author.CUSTOMER
    assert odd.created_at == first.created_at
    assert odd.data == []
    assert late.unreadable is not None
    assert late.unreadable.startswith("created_at:")
    assert late.created_at.tzinfo is UTC  # when it was read: the order comes from the id
    assert len(page.unreadable) == 3
    assert "without a readable id" in page.unreadable[1]

    entry = json.loads(LIST_EXAMPLE)["chats"][0]
    chats = ChatPage.model_validate(
        {"chats": [{**entry, "unread_count": "много"}, entry, 7], "has_next": False}
    )
    assert [c.chat_id for c in chats.chats] == ["5e767w03-b400-4y1b-a841-75319ca8a5c8"]
    assert chats.unreadable[0].startswith("chat 5e767w03-b400-4y1b-a841-75319ca8a5c8: unread_count")
    assert chats.unreadable[1].startswith("chat ?: ")
