"""The Ozon Seller API double of the tests: the product's stand-in (`bot/sandbox/`) checked
against the spec fixture.

`FakeOzon` is `OzonStandIn` with `validate_request` (`ozon_spec`) plugged in: a request the spec
does not allow is answered 400 and collected in `spec_violations`, and tests assert that list
stays empty. Methods the stand-in has no handler for answer with the fixture's `otherExamples`;
`/v1/roles` and the push types follow the fixture too.
"""

from __future__ import annotations

from bot.sandbox.model import (
    CHAT_METHODS,
    DEFAULT_IMAGE,
    FIRST_MESSAGE_ID,
    MSG_EXPIRED,
    MSG_IP_RESTRICTED,
    MSG_NO_CHAT_ROLE,
    MSG_NO_PREMIUM,
    MSG_WINDOW_CLOSED,
    NOTIFICATION_TYPE_DESCRIPTIONS,
    REMOVED_METHODS,
    AuthMode,
    RecordedRequest,
    Subscription,
    rpc_error,
)
from bot.sandbox.model import StandInChat as FakeChat
from bot.sandbox.model import StandInMessage as FakeMessage
from bot.sandbox.server import OzonStandIn
from tests.fakes.ozon_spec import load_spec, validate_request

__all__ = [
    "CHAT_METHODS",
    "DEFAULT_IMAGE",
    "FIRST_MESSAGE_ID",
    "MSG_EXPIRED",
    "MSG_IP_RESTRICTED",
    "MSG_NO_CHAT_ROLE",
    "MSG_NO_PREMIUM",
    "MSG_WINDOW_CLOSED",
    "NOTIFICATION_TYPE_DESCRIPTIONS",
    "REMOVED_METHODS",
    "AuthMode",
    "FakeChat",
    "FakeMessage",
    "FakeOzon",
    "RecordedRequest",
    "Subscription",
    "rpc_error",
]


class FakeOzon(OzonStandIn):
    """The stand-in held to the spec fixture: `async with FakeOzon() as ozon:`."""

    def __init__(
        self,
        client_id: str = "100500",
        api_key: str = "test-ozon-key",
        *,
        quirks: bool = True,
        history_forward_inclusive: bool = True,
        seed: int = 0,
    ) -> None:
        spec = load_spec()
        set_schema = spec["paths"]["/v1/notification/set"]["requestSchema"]
        super().__init__(
            client_id,
            api_key,
            quirks=quirks,
            history_forward_inclusive=history_forward_inclusive,
            seed=seed,
            validate=validate_request,
            examples=spec["otherExamples"],
            other_roles=[r for r in spec["rolesExample"]["roles"] if r["name"] != "Admin"],
            push_types=set_schema["properties"]["types"]["items"]["enum"],
        )
