"""The group's Telegram budget, on a simulated clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.ozon.limiter import RateLimiter
from bot.telegram.gateway.flood import FloodControl, FloodControlClosed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_never_more_than_the_budget_in_any_window() -> None:
    clock = Clock()
    flood = FloodControl(20, 60.0, clock=clock, sleep=clock.sleep)
    grants: list[float] = []
    for _ in range(100):
        await flood.acquire()
        grants.append(clock.now)
    for i, start in enumerate(grants):
        in_window = [t for t in grants[i:] if t < start + 60.0]
        assert len(in_window) <= 20
    # ... and uses it: 100 sends take about 4 windows, not more.
    assert grants[-1] - grants[0] <= 4 * 60.0 + 20 * 1.0
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(grants))


async def test_retry_after_pauses_everyone() -> None:
    clock = Clock()
    flood = FloodControl(20, 60.0, clock=clock, sleep=clock.sleep)
    await flood.acquire()
    flood.pause(30)
    before = clock.now
    await flood.acquire()
    assert clock.now - before >= 30
    assert flood.retry_after_total == 1


async def test_waiters_are_served_in_arrival_order() -> None:
    clock = Clock()
    flood = FloodControl(2, 10.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def take(n: int) -> None:
        await flood.acquire()
        order.append(n)

    await asyncio.gather(*(take(n) for n in range(6)))
    assert order == list(range(6))


async def test_close_releases_waiters_at_once() -> None:
    flood = FloodControl(1, 3600.0)
    await flood.acquire()
    waiter = asyncio.create_task(flood.acquire())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    flood.close()
    with pytest.raises(FloodControlClosed):
        await asyncio.wait_for(waiter, timeout=5)


async def test_a_spare_slot_keeps_a_reserve_of_the_window_free() -> None:
    clock = Clock()
    flood = FloodControl(20, 60.0, clock=clock, sleep=clock.sleep)
    # A quiet group: a spare slot is granted at once.
    first = clock.now
    await flood.acquire_spare(reserve=5)
    assert (clock.now, flood.spare_total) == (first, 1)
    # Posts fill the window up to its reserve (one a second): the next spare slot waits until
    # the oldest slot leaves the window, so that five stay free for posts all the while.
    for _ in range(14):
        await flood.acquire()
    assert flood.used_in_window() == 15
    await flood.acquire_spare(reserve=5)
    assert clock.now == first + 60.0
    assert flood.used_in_window() == 15


async def test_posts_waiting_for_the_budget_go_before_any_spare_slot() -> None:
    clock = Clock()
    flood = FloodControl(2, 10.0, clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def post(n: int) -> None:
        await flood.acquire()
        order.append(f"post {n}")

    async def icon() -> None:
        await flood.acquire_spare(reserve=0)
        order.append("icon")

    posts = [asyncio.create_task(post(n)) for n in range(5)]
    await asyncio.sleep(0)
    await asyncio.gather(icon(), *posts)
    assert order == ["post 0", "post 1", "post 2", "post 3", "post 4", "icon"]


async def test_a_released_slot_counts_no_more() -> None:
    flood = FloodControl(2, 60.0, min_interval=0)
    slot = await flood.acquire_spare(reserve=0)
    assert flood.used_in_window() == 1
    flood.release(slot)
    assert flood.used_in_window() == 0
    assert flood.granted_total == 0


def test_retry_after_seconds_count_the_time_posts_were_held_not_each_answer() -> None:
    """Several posts answered 429 together hold the group once: `/metrics` counts that once."""
    now = [100.0]
    flood = FloodControl(clock=lambda: now[0])
    flood.pause(2)
    flood.pause(2)  # a second post's 429 in the same moment adds nothing
    assert flood.retry_after_seconds == 2
    now[0] += 1
    flood.pause(2)  # one second later: the hold now ends a second later
    assert flood.retry_after_seconds == 3
    assert flood.retry_after_total == 3


def test_the_ozon_limiter_says_what_a_pause_adds() -> None:
    now = [50.0]
    limiter = RateLimiter(20, clock=lambda: now[0])
    assert limiter.pause_for(1.5) == 1.5
    assert limiter.pause_for(1.0) == 0.0
    now[0] += 1
    assert limiter.pause_for(1.0) == pytest.approx(0.5)
