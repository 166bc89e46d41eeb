"""A callback handed out before its listeners exist: "new messages were recorded" is given to the
syncer before the relay and the card reader that must hear it are built. Listeners are connected
once they are; calling the signal calls each, in the order they were connected."""

from __future__ import annotations

from collections.abc import Callable


class Signal:
    def __init__(self, *listeners: Callable[[], None]) -> None:
        self._listeners = list(listeners)

    def connect(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def __call__(self) -> None:
        for listener in self._listeners:
            listener()
