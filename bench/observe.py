"""Observing the stand-ins: what reached Telegram and Ozon, read from their recorded requests."""

from __future__ import annotations

from bench.common import FORUM_CHAT_ID, HISTORY, LIST, MARKER, SEND
from tests.fakes.ozon import FakeOzon, RecordedRequest
from tests.fakes.telegram import FLOOD_METHODS, FakeTelegram, RecordedCall


class TelegramLog:
    """Successful posts into the forum group, read incrementally from the stand-in's requests."""

    def __init__(self, tg: FakeTelegram) -> None:
        self._tg = tg
        self._seen = 0
        self.sends: list[RecordedCall] = []
        self.markers: dict[str, float] = {}
        """Marker digits -> when the post carrying it reached the stand-in (first time)."""
        self.duplicates = 0

    def scan(self) -> None:
        calls = self._tg.requests
        while self._seen < len(calls):
            call = calls[self._seen]
            if call.method in FLOOD_METHODS:
                if call.status == 0:
                    return  # still being answered: look again next time
                if call.status == 200 and str(call.params.get("chat_id")) == str(FORUM_CHAT_ID):
                    self.sends.append(call)
                    text = str(call.params.get("text") or call.params.get("caption") or "")
                    if call.method in {"sendMessage", "sendPhoto"}:
                        for digits in MARKER.findall(text):
                            if digits in self.markers:
                                self.duplicates += 1
                            else:
                                self.markers[digits] = call.at
            self._seen += 1

    def has(self, digits: str) -> bool:
        self.scan()
        return digits in self.markers

    def has_all(self, wanted: set[str]) -> bool:
        self.scan()
        return wanted <= self.markers.keys()


class OzonSends:
    """Texts Ozon accepted through `send/message`, read incrementally."""

    def __init__(self, ozon: FakeOzon) -> None:
        self._ozon = ozon
        self._seen = 0
        self.at: dict[str, float] = {}
        self.accepted: list[RecordedRequest] = []

    def scan(self) -> None:
        requests = self._ozon.requests
        while self._seen < len(requests):
            request = requests[self._seen]
            if request.path == SEND:
                if request.status == 0:
                    return
                if request.status == 200 and isinstance(request.body, dict):
                    self.accepted.append(request)
                    self.at.setdefault(str(request.body.get("text")), request.at)
            self._seen += 1


def poll_starts(ozon: FakeOzon) -> list[int]:
    """Indices in `ozon.requests` where a poll began: a chat list request without a cursor."""
    return [
        i
        for i, r in enumerate(ozon.requests)
        if r.path == LIST and not (isinstance(r.body, dict) and r.body.get("cursor"))
    ]


def reads_between(ozon: FakeOzon, start: int, end: int) -> int:
    return sum(1 for r in ozon.requests[start:end] if r.path in (LIST, HISTORY))


def ozon_429s(ozon: FakeOzon) -> int:
    return sum(1 for r in ozon.requests if r.status == 429)
