"""The one way a Redis failure leaves an adapter: as StorageUnavailable, with no secrets; and
the one client every adapter shares, which never loses a task's cancel.

Why the cancel needs care: redis-py may report the cancel that drops a connection mid-read as a
ConnectionError, and on Python 3.11 its `socket_timeout` writes each command under
`asyncio.wait_for`, which returns normally when the cancel lands as the write completes. Either
way a task being cancelled (a reset, a shutdown) would go on as if nothing had happened: a
retry loop would never stop, and aiogram's polling would never end on SIGTERM.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.core.errors import StorageUnavailable

T = TypeVar("T")


@contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Wrap Redis calls; the error's type is kept, its text (which may hold a URL) is not.

    A task being cancelled gets its cancel back, whether redis-py turned it into an error or
    lost it (see above): pipelines and scripts run here too, not only `CancelSafeRedis`'s
    single commands.
    """
    try:
        yield
    except RedisError as error:
        raise_if_cancelling(error)
        raise StorageUnavailable(f"redis: {type(error).__name__}") from error
    raise_if_cancelling()


def raise_if_cancelling(error: BaseException | None = None) -> None:
    """Raise CancelledError when the current task is being cancelled (see above)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


class CancelSafeRedis(Redis):
    """redis-py's client whose commands give a lost cancel back, for aiogram's RedisStorage
    too, which calls the client directly."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        raise_if_cancelling()
        return result


class StaleConnectionRetry(Retry):
    """One immediate retry of a command whose connection broke, never for a task being
    cancelled (its cancel must win, not a second run of the command).

    After Redis restarts, every connection left in the pool is dead, and `from_url` gives
    redis-py's connections no retry at all: the first command on each failed, and a user got
    "storage unavailable" with Redis back. The retry reconnects. It is immediate, so a
    command whose reply a dying Redis never sent is not run again on the Redis started anew.
    """

    def __init__(self) -> None:
        super().__init__(NoBackoff(), 1, supported_errors=(RedisConnectionError,))

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[T]],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        def retryable(error: Exception) -> bool:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                return False
            return is_retryable is None or is_retryable(error)

        return await super().call_with_retry(do, fail, retryable, with_failure_count)
