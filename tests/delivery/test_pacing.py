"""Rate limits, backoff and the forward-only status rule: pure logic, no I/O."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from famsbot.delivery.backoff import BASE, CEILING, FLOOR, retry_delay
from famsbot.delivery.ratelimit import KEY_MARGIN, Busy, RateLimiter
from famsbot.delivery.status import is_forward


class Ticker:
    """A clock that only moves when someone sleeps: ``sent`` is when each send went."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(per_second: float | None, per_key: float | None = None) -> tuple[RateLimiter, Ticker]:
    ticker = Ticker()
    return RateLimiter(per_second, per_key, clock=ticker, sleep=ticker.sleep), ticker


async def send_times(limiter: RateLimiter, ticker: Ticker, keys: list[str], cost: int = 1) -> list[float]:
    """Sends in this order, one after another (a worker's sequence): when each one went."""
    times = []
    for key in keys:
        await limiter.acquire(key, cost)
        times.append(round(ticker.now - 100.0, 6))
    return times


async def test_the_overall_rate_spaces_sends_evenly() -> None:
    paced, ticker = limiter(30)

    times = await send_times(paced, ticker, [f"chat-{n}" for n in range(61)])

    assert times[0] == 0.0
    assert times[30] == pytest.approx(1.0)
    assert times[60] == pytest.approx(2.0)


async def test_one_chat_gets_one_message_a_second_without_holding_up_others() -> None:
    paced, ticker = limiter(30, 1)

    async def chat(key: str, count: int) -> list[float]:
        times = []
        for _ in range(count):
            await paced.acquire(key)
            times.append(round(ticker.now - 100.0, 6))
        return times

    first = await chat("chat-1", 3)
    spacing = 1 + KEY_MARGIN  # a little over a second: room for the jitter before a request arrives
    assert first == pytest.approx([0.0, spacing, 2 * spacing])
    assert await chat("chat-2", 1) == pytest.approx([2 * spacing + 1 / 30])  # only the overall spacing applies


async def test_concurrent_sends_to_one_chat_are_spaced() -> None:
    import asyncio

    paced = RateLimiter(1000, 10)  # real clock: ten a second to one chat
    started = asyncio.get_running_loop().time()
    times: list[float] = []

    async def send() -> None:
        await paced.acquire("chat-1")
        times.append(asyncio.get_running_loop().time() - started)

    await asyncio.gather(*(send() for _ in range(4)))

    assert sorted(times)[-1] >= 0.29
    assert all(b - a >= 0.09 for a, b in zip(sorted(times), sorted(times)[1:], strict=False))


async def test_a_bulk_send_books_no_slot_beyond_its_bound_and_an_urgent_one_goes_next() -> None:
    paced, ticker = limiter(10)
    for n in range(20):  # two seconds of bulk already booked
        await paced.acquire(f"family-{n}", within=2.0)
    ticker.now -= 2.0  # as if those sends were still waiting for their slots

    with pytest.raises(Busy) as refused:
        await paced.acquire("family-21", within=2.0)
    assert refused.value.wait == pytest.approx(0.1)  # one slot must pass first
    assert paced.room(2.0) == 0
    assert await send_times(paced, ticker, ["duty-chat"]) == [pytest.approx(2.0)]  # urgent: the next slot


async def test_room_says_how_many_sends_fit_within_the_bound() -> None:
    paced, ticker = limiter(10)
    assert paced.room(2.0) == 20
    await paced.acquire("a", 5)  # five units: the next half second is booked
    assert paced.room(2.0) == 15
    assert limiter(None)[0].room(2.0) is None


async def test_an_sms_costs_its_segments() -> None:
    paced, ticker = limiter(1)

    assert await send_times(paced, ticker, ["+44"], cost=3) == [0.0]
    assert await send_times(paced, ticker, ["+45"]) == [pytest.approx(3.0)]


async def test_no_limit_means_no_wait() -> None:
    paced, ticker = limiter(None, None)

    assert set(await send_times(paced, ticker, ["a"] * 100)) == {0.0}


def test_backoff_grows_exponentially_with_jitter_between_floor_and_cap() -> None:
    rng = random.Random(7)
    for failures in range(1, 15):
        cap = min(CEILING, BASE * 2 ** (failures - 1))
        draws = [retry_delay(failures, rng=rng) for _ in range(200)]
        assert all(timedelta(seconds=FLOOR) <= d <= timedelta(seconds=max(cap, FLOOR)) for d in draws)
        assert len(set(draws)) > 100  # jittered: failures that came together do not retry together
    assert max(retry_delay(40, rng=rng) for _ in range(100)) <= timedelta(seconds=CEILING)


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        ("queued", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "sent", False),
        ("delivered", "undelivered", False),
        ("failed", "delivered", False),
        ("sent", "sent", False),
        ("sent", "made-up", False),
    ],
)
def test_status_only_moves_forward(current: str, new: str, moves: bool) -> None:
    assert is_forward(current, new) is moves
