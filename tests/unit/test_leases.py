"""Chat leases in Redis: one holder at a time; only the holder renews or releases its lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.core.chat import ChatKey
from bot.storage.base import StorageOptions
from bot.storage.redis import RedisBackend
from bot.storage.redis.leases import RedisLeases

A = ChatKey(bot_id=1, chat_id=10)
B = ChatKey(bot_id=1, chat_id=11)


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[RedisLeases, RedisLeases]]:
    """Two replicas' leases on one Redis, each with a client of its own."""
    options = StorageOptions(bot_id=1, max_messages=10, ttl_seconds=60, prefix="t")
    backends = [RedisBackend.from_url(redis_url, options) for _ in "ab"]
    yield (
        RedisLeases(backends[0].redis, backends[0].keys, ttl_seconds=1.0),
        RedisLeases(backends[1].redis, backends[1].keys, ttl_seconds=1.0),
    )
    for backend in backends:
        await backend.aclose()


async def test_one_holder_at_a_time_until_it_releases(
    replicas: tuple[RedisLeases, RedisLeases],
) -> None:
    first, second = replicas
    assert await first.holder(A) is None
    token = await first.acquire(A)
    assert token is not None
    assert await second.holder(A) == first.replica != second.replica
    assert await second.acquire(A) is None
    assert await first.acquire(A) is None  # not even the holder twice
    assert await second.acquire(B) is not None  # chats are leased apart
    await second.release(A, "not-the-token")  # a stranger's release changes nothing
    assert await second.acquire(A) is None
    await first.release(A, token)
    assert await second.acquire(A) is not None


async def test_a_renewed_lease_outlives_its_ttl_and_an_abandoned_one_runs_out(
    replicas: tuple[RedisLeases, RedisLeases],
) -> None:
    first, second = replicas
    kept, left = await first.acquire(A), await first.acquire(B)
    assert kept is not None and left is not None
    for _ in range(8):  # 1.6 s in all, past the 1 s TTL; 0.8 s of slack per renewal
        await asyncio.sleep(0.2)
        assert await first.renew({A: kept}) == []
    assert await second.acquire(A) is None
    assert await second.acquire(B) is not None  # B was not renewed: it ran out


async def test_a_lease_taken_over_is_reported_lost_and_left_alone(
    replicas: tuple[RedisLeases, RedisLeases],
) -> None:
    first, second = replicas
    old = await first.acquire(A)
    assert old is not None
    await asyncio.sleep(1.3)
    new = await second.acquire(A)
    assert new is not None
    assert await first.renew({A: old}) == [A]
    await first.release(A, old)
    assert await first.acquire(A) is None  # the new holder's lease stands
    assert await second.renew({A: new}) == []


async def test_a_claim_takes_nothing_and_its_token_is_its_own(
    replicas: tuple[RedisLeases, RedisLeases],
) -> None:
    """The inbox takes a claim with its record (test_durable_inbox.py); here it is handed out."""
    first, second = replicas
    claims = [first.claim(A), first.claim(A), second.claim(A)]
    assert len({c.token for c in claims}) == 3
    assert [c.token.split(":")[0] for c in claims] == [first.replica] * 2 + [second.replica]
    assert claims[0].key == claims[2].key and claims[0].ttl_ms == 1000
    assert await first.holder(A) is None  # handing out a claim takes no lease
    assert await second.acquire(A) is not None
