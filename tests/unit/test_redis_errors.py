"""The one guard around Redis calls and the one client: errors become StorageUnavailable, a
cancel stays a cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.errors import StorageUnavailable
from bot.storage.base import StorageOptions
from bot.storage.redis import RedisBackend
from bot.storage.redis.client import CancelSafeRedis, StaleConnectionRetry, unavailable_on_error
from tests.support.redis_server import RedisServer


async def _read_that_turns_a_cancel_into_an_error() -> None:
    """What redis-py can do when its task is cancelled while it reads a reply."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        raise RedisConnectionError("Connection closed by server.") from None


async def test_an_error_leaves_as_storage_unavailable_without_its_text() -> None:
    with pytest.raises(StorageUnavailable) as caught, unavailable_on_error():
        raise RedisConnectionError("redis://:secret@host")
    assert "secret" not in str(caught.value)


async def test_a_loop_that_retries_on_outages_still_stops_when_cancelled() -> None:
    async def keep_trying() -> None:
        while True:
            try:
                with unavailable_on_error():
                    await _read_that_turns_a_cancel_into_an_error()
            except StorageUnavailable:
                await asyncio.sleep(0.01)

    task = asyncio.create_task(keep_trying())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=3)
    assert task.cancelled(), "the loop swallowed its cancel"
    if not task.done():  # pragma: no cover - only when the guard is broken
        task.cancel()


async def _cancel_mid_flight(work: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Cancel `work` after 0 to 11 passes of the loop, ten times each (through connect, write
    and read); how many of those cancels it lost: finished as if never cancelled."""
    lost = 0
    for passes in range(12):
        for _ in range(10):
            task = asyncio.create_task(work())
            for _ in range(passes):
                await asyncio.sleep(0)
            if not task.cancel():  # it was done already: nothing to lose
                continue
            try:
                await task
            except asyncio.CancelledError:
                continue
            lost += 1
    return lost


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    """As the backend builds it: with a socket timeout, whose writes on Python 3.11 go through
    asyncio.wait_for, which returns normally when a cancel lands as the write completes."""
    redis = CancelSafeRedis.from_url(
        redis_url, socket_connect_timeout=5, socket_timeout=5, retry=StaleConnectionRetry()
    )
    yield redis
    await redis.aclose()


async def test_a_cancel_during_a_command_is_never_lost(client: Redis) -> None:
    """aiogram's RedisStorage calls the client directly: SIGTERM must still end polling."""

    async def commands() -> None:
        for _ in range(3):
            await client.set("k", "v")

    assert await _cancel_mid_flight(commands) == 0


async def test_a_cancel_during_a_guarded_pipeline_is_never_lost(client: Redis) -> None:
    async def pipelines() -> None:
        for _ in range(3):
            with unavailable_on_error():
                async with client.pipeline(transaction=True) as pipe:
                    pipe.set("k", "v")
                    pipe.get("k")
                    await pipe.execute()

    assert await _cancel_mid_flight(pipelines) == 0


async def test_after_a_redis_restart_no_command_fails_on_a_connection_it_left_dead(
    redis_server: RedisServer,
) -> None:
    """Each pooled connection is dead once Redis restarts; none may cost a command (a user's
    message, a turn's load, /readyz) a failure with Redis back."""
    options = StorageOptions(bot_id=1, max_messages=10, ttl_seconds=3600, prefix="t")
    backend = RedisBackend.from_url(redis_server.url, options)
    try:
        assert all(await asyncio.gather(*(backend.ready() for _ in range(4))))  # 4 in the pool
        redis_server.stop()
        assert not await backend.ready()
        redis_server.start()
        assert await asyncio.gather(*(backend.ready() for _ in range(4))) == [True] * 4
    finally:
        await backend.aclose()
