"""The UsageStore contract, over every adapter (memory and a real Redis): a turn reserves its
estimate of the user's day before its model call, so turns at once cannot all pass the quota,
and its end replaces the reservation with the real count (docs/architecture.md, "Quotas")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.chat import ChatKey
from bot.core.days import utc_day
from bot.core.turn import Turn
from bot.storage.base import Backend, Conclusion, Reserved, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend

KEY = ChatKey(bot_id=1, chat_id=100)
USER = 100
OPTIONS = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        built: Backend = MemoryBackend.from_url("memory://", OPTIONS)
    else:
        built = RedisBackend.from_url(str(request.getfixturevalue("redis_url")), OPTIONS)
    yield built
    await built.aclose()


def turn(message_id: int = 1) -> Turn:
    return Turn(chat_id=KEY.chat_id, user_id=USER, message_id=message_id, text="q")


async def test_a_reservation_counts_at_once_and_the_end_replaces_it(backend: Backend) -> None:
    reserved = await backend.usage.reserve(USER, 4000, quota=5)
    assert reserved == Reserved(utc_day(), 4000)
    assert await backend.usage.tokens_today(USER) == 4000  # a second turn now meets the quota
    await backend.turns.conclude(KEY, Conclusion(turn(), 120, failed=False, reserved=(reserved,)))
    assert await backend.usage.tokens_today(USER) == 120
    day = await backend.usage.today()
    assert (day.tokens, day.turns) == (120, 1)


async def test_no_reservation_once_the_day_is_spent(backend: Backend) -> None:
    assert await backend.usage.reserve(USER, 100, quota=150) is not None
    assert await backend.usage.reserve(USER, 100, quota=150) is not None  # 100 < 150: it goes
    assert await backend.usage.reserve(USER, 100, quota=150) is None  # 200 >= 150
    assert await backend.usage.tokens_today(USER) == 200  # the refused one counted nothing
    assert await backend.usage.reserve(USER + 1, 100, quota=150) is not None  # others' own days


async def test_a_correction_outside_a_turns_end_counts_no_turn(backend: Backend) -> None:
    """A turn whose end is never written (a reset, a lost lease) still pays what it used."""
    reserved = await backend.usage.reserve(USER, 4000, quota=5)
    assert reserved is not None
    await backend.usage.correct(USER, 70, (reserved,))
    assert await backend.usage.tokens_today(USER) == 70
    assert (await backend.usage.today()).turns == 0


async def test_a_reservation_of_an_earlier_day_is_not_taken_from_today(backend: Backend) -> None:
    """A turn that began before midnight: today counts what it used, no less."""
    earlier = Reserved("2026-01-01", 4000)
    await backend.turns.conclude(KEY, Conclusion(turn(), 120, failed=False, reserved=(earlier,)))
    assert await backend.usage.tokens_today(USER) == 120


async def test_with_redis_replicas_share_the_reservations(redis_url: str) -> None:
    one, other = (RedisBackend.from_url(redis_url, OPTIONS) for _ in "ab")
    try:
        assert await one.usage.reserve(USER, 4000, quota=5) is not None
        assert await other.usage.reserve(USER, 4000, quota=5) is None
        assert await other.usage.tokens_today(USER) == 4000
    finally:
        await one.aclose()
        await other.aclose()


async def test_with_redis_an_earlier_days_reservation_is_taken_back_there(
    redis_url: str,
) -> None:
    backend = RedisBackend.from_url(redis_url, OPTIONS)
    try:
        key = backend.keys.usage("usage", "2026-01-01")
        await backend.redis.hset(key, str(USER), 4000)
        earlier = Reserved("2026-01-01", 4000)
        await backend.turns.conclude(
            KEY, Conclusion(turn(), 120, failed=False, reserved=(earlier,))
        )
        assert int(await backend.redis.hget(key, str(USER)) or 0) == 0
        assert await backend.redis.ttl(key) > 0
    finally:
        await backend.aclose()
