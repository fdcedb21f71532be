"""The one guard around Redis calls: errors become StorageUnavailable, a cancel stays a cancel."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.domain import StorageUnavailable
from bot.storage.redis_errors import unavailable_on_error


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
