"""The one way a Redis failure leaves an adapter: as StorageUnavailable, with no secrets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from bot.domain import StorageUnavailable


@contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Wrap Redis calls; the error's type is kept, its text (which may hold a URL) is not."""
    try:
        yield
    except RedisError as error:
        raise StorageUnavailable(f"redis: {type(error).__name__}") from error
