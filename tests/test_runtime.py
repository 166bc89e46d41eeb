"""The supervisor: every service started, stopped stage by stage in the order given, each stage
given its grace and then cancelled; a service that ends on its own stops the bridge. Time is a
fake clock: nothing here waits for real seconds."""

from __future__ import annotations

import asyncio

from bot.app.runtime import Stage, Supervisor
from tests.clock import FakeClock
from tests.waiting import wait_for


class Service:
    """Runs until asked to stop; writes down what happened to it."""

    def __init__(self, name: str, events: list[str], *, stubborn: bool = False) -> None:
        self.name = name
        self._events = events
        self._stubborn = stubborn
        self._stopped = asyncio.Event()
        self.cancelled = False

    async def run(self) -> None:
        self._events.append(f"run {self.name}")
        try:
            if self._stubborn:
                await asyncio.Event().wait()  # ignores `stop`: only cancelling ends it
            await self._stopped.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self._events.append(f"ended {self.name}")

    def stop(self) -> None:
        self._events.append(f"stop {self.name}")
        self._stopped.set()


async def test_stages_stop_in_order_and_a_stubborn_service_is_cancelled_after_its_grace() -> None:
    events: list[str] = []
    clock = FakeClock()
    polling, web = Service("polling", events), Service("web", events)
    relay, stubborn = Service("relay", events), Service("stubborn", events, stubborn=True)
    failures: list[str] = []
    supervisor = Supervisor(
        [
            Stage("telegram", [polling], grace=2.0),
            Stage("web", [web], grace=2.0),
            Stage(
                "workers",
                [relay, stubborn],
                grace=5.0,
                then=lambda: events.append("budget closed"),
            ),
        ],
        on_failure=lambda: failures.append("stop"),
        clock=clock,
    )
    supervisor.start()
    await wait_for(lambda: len([e for e in events if e.startswith("run")]) == 4)
    # Started in the reverse of the stop order: the workers first, Telegram polling last.
    assert events == ["run relay", "run stubborn", "run web", "run polling"]
    events.clear()

    stopping = asyncio.create_task(supervisor.stop())
    await wait_for(lambda: "budget closed" in events and clock.sleeping == 1)
    assert events == [
        "stop polling",
        "ended polling",
        "stop web",
        "ended web",
        "stop relay",
        "stop stubborn",
        "budget closed",
        "ended relay",
    ]
    clock.advance(4.9)
    await asyncio.sleep(0)
    assert not stubborn.cancelled
    assert not stopping.done()
    clock.advance(0.2)  # the workers' grace is over
    await asyncio.wait_for(stopping, timeout=5)
    assert stubborn.cancelled
    assert not relay.cancelled
    assert failures == []
    assert supervisor.failure is None


async def test_a_service_that_ends_on_its_own_stops_the_bridge() -> None:
    events: list[str] = []
    worker = Service("outbox", events)
    stop_bridge = asyncio.Event()
    supervisor = Supervisor(
        [Stage("workers", [worker])], on_failure=stop_bridge.set, clock=FakeClock()
    )
    supervisor.start()
    await wait_for(lambda: events == ["run outbox"])
    worker.stop()  # as if it returned by itself: nobody asked the supervisor to stop
    await asyncio.wait_for(stop_bridge.wait(), timeout=5)
    assert supervisor.failure is not None
    assert "outbox" in supervisor.failure
    await supervisor.stop()
