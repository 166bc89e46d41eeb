"""The order card's postings: `/v4/posting/fbs/list` then `/v3/posting/fbo/list` for an order,
and one posting by number (models and the list walk in `bot.ozon.orders`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.ozon.errors import AuthProblem, OzonAuthError
from bot.ozon.fields import rfc3339, to_utc
from bot.ozon.orders import (
    ANALYTICS,
    FBO_GET_PATH,
    FBO_LIST_PATH,
    FBS_GET_PATH,
    FBS_LIST_PATH,
    MAX_WINDOW,
    Posting,
    PostingAnswer,
    Scheme,
    order_postings,
)
from bot.ozon.transport import OzonTransport

__all__ = ["OrderCalls"]


class OrderCalls(OzonTransport):
    """The postings of an order. All are reads, retried as reads are.

    A key whose roles do not open a method is answered 403, raised as `OzonAuthError` with
    `kind` `AuthProblem.MISSING_ROLE` ("this extra is off", not an outage; never retried);
    other failures are the usual `OzonError`s.
    """

    async def postings_of_order(
        self, order_number: str, *, since: datetime, until: datetime
    ) -> list[Posting]:
        """The postings of an order processed from `since` to `until` (at most `MAX_WINDOW`
        apart; naive datetimes are UTC): those of `/v4/posting/fbs/list` (FBS or rFBS), or
        when it finds none, those of `/v3/posting/fbo/list` (FBO). Empty when neither finds the
        order: it may be older than the window, or not the seller's.

        A key that may read only one of the two lists reads that one; only when neither is open
        is the refusal raised.
        """
        number = order_number.strip()
        if not number:
            raise ValueError("order_number must not be empty")
        start, end = to_utc(since), to_utc(until)
        if start > end:
            raise ValueError("since must not be after until")
        if end - start > MAX_WINDOW:
            raise ValueError("Ozon lists postings over a year at most")
        search = {"since": rfc3339(start), "to": rfc3339(end), "order_numbers": [number]}
        fbs_refused = False
        try:
            found = await order_postings(self._read, FBS_LIST_PATH, search, number)
        except OzonAuthError as exc:
            if exc.kind is not AuthProblem.MISSING_ROLE:
                raise
            fbs_refused = True
        else:
            if found:
                return found
        try:
            fbo = await order_postings(self._read, FBO_LIST_PATH, search, number)
        except OzonAuthError as exc:
            if fbs_refused or exc.kind is not AuthProblem.MISSING_ROLE:
                raise
            return []
        return [_as_fbo(posting) for posting in fbo]

    async def fbs_posting(self, posting_number: str) -> Posting:
        """One FBS or rFBS posting with its dates (`/v3/posting/fbs/get`). An FBO posting
        number is answered 404: `OzonNotFound`."""
        answer = await self._read(FBS_GET_PATH, _get_body(posting_number), PostingAnswer)
        return answer.result

    async def fbo_posting(self, posting_number: str) -> Posting:
        """One FBO posting (`/v2/posting/fbo/get`); Ozon gives no delivery window here. An
        FBS posting number is answered 404: `OzonNotFound`."""
        answer = await self._read(FBO_GET_PATH, _get_body(posting_number), PostingAnswer)
        return _as_fbo(answer.result)


def _as_fbo(posting: Posting) -> Posting:
    return posting.model_copy(update={"scheme": Scheme.FBO})


def _get_body(posting_number: str) -> dict[str, Any]:
    number = posting_number.strip()
    if not number:
        raise ValueError("posting_number must not be empty")
    return {"posting_number": number, "with": ANALYTICS}
