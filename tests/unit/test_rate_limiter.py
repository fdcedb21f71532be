"""The RateLimiter contract, run over every adapter: memory and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot.core.errors import StorageUnavailable
from bot.storage.base import RateLimiter
from bot.storage.memory.rate_limit import MemoryRateLimiter
from bot.storage.redis.rate_limit import RedisRateLimiter

LIMIT, WINDOW = 3, 60.0


class Clock:
    """Time the test moves by hand, so no test waits for a window to pass."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def rate_key(user_id: int) -> str:
    return f"test:rate:{user_id}"


MakeLimiter = Callable[[], RateLimiter]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[MakeLimiter]:
    """Limiters of one adapter; with Redis they share one server, as replicas do."""
    if request.param == "memory":
        shared = MemoryRateLimiter(LIMIT, WINDOW, clock=clock)
        yield lambda: shared  # one process has one limiter
        return
    clients: list[Redis] = []

    def make() -> RateLimiter:
        client = Redis.from_url(str(request.getfixturevalue("redis_url")))
        clients.append(client)
        return RedisRateLimiter(client, rate_key, LIMIT, WINDOW, clock=clock)

    yield make
    for client in clients:
        await client.aclose()


async def admitted(limiter: RateLimiter, user_id: int, n: int) -> list[bool]:
    return [await limiter.admit(user_id) for _ in range(n)]


async def test_admits_up_to_the_limit_then_refuses(make_limiter: MakeLimiter) -> None:
    assert await admitted(make_limiter(), 1, LIMIT + 2) == [True] * LIMIT + [False, False]


async def test_users_have_their_own_budget(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    await admitted(limiter, 1, LIMIT)
    assert await limiter.admit(2)


async def test_the_window_slides(make_limiter: MakeLimiter, clock: Clock) -> None:
    limiter = make_limiter()
    assert await limiter.admit(1)
    clock.now += WINDOW / 2
    assert await admitted(limiter, 1, LIMIT) == [True] * (LIMIT - 1) + [False]
    clock.now += WINDOW / 2  # the first message has left the window, the others not yet
    assert await admitted(limiter, 1, 2) == [True, False]
    clock.now += WINDOW
    assert await admitted(limiter, 1, LIMIT) == [True] * LIMIT


async def test_refused_messages_do_not_use_the_budget(
    make_limiter: MakeLimiter, clock: Clock
) -> None:
    limiter = make_limiter()
    await admitted(limiter, 1, LIMIT + 5)
    clock.now += WINDOW
    assert await admitted(limiter, 1, LIMIT) == [True] * LIMIT


async def test_two_limiters_share_one_budget(make_limiter: MakeLimiter) -> None:
    """Two replicas give a user the limit once, not twice."""
    first, second = make_limiter(), make_limiter()
    results = [await (first if n % 2 else second).admit(1) for n in range(2 * LIMIT)]
    assert results.count(True) == LIMIT


async def test_redis_down_is_storage_unavailable() -> None:
    client = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=1)
    limiter = RedisRateLimiter(client, rate_key, LIMIT, WINDOW)
    with pytest.raises(StorageUnavailable):
        await limiter.admit(1)
    await client.aclose()


async def test_memory_forgets_users_quiet_for_a_window(clock: Clock) -> None:
    limiter = MemoryRateLimiter(LIMIT, WINDOW, clock=clock)
    for user_id in range(1000):
        await limiter.admit(user_id)
    clock.now += WINDOW
    for n in range(40):  # four users still talking: every write prunes a few quiet ones
        await limiter.admit(5000 + n % 4)
    assert limiter.size == 4
