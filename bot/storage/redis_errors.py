"""The one way a Redis failure leaves an adapter: as StorageUnavailable, with no secrets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from bot.domain import StorageUnavailable


@contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Wrap Redis calls; the error's type is kept, its text (which may hold a URL) is not.

    A task being cancelled gets its cancel back: redis-py may report the cancel that drops a
    connection mid-read as a ConnectionError, and a loop that retries on StorageUnavailable
    would swallow it and never stop.
    """
    try:
        yield
    except RedisError as error:
        raise_if_cancelling(error)
        raise StorageUnavailable(f"redis: {type(error).__name__}") from error


def raise_if_cancelling(error: BaseException) -> None:
    """Raise CancelledError when the current task is being cancelled (see above)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error
