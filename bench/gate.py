"""The Groq SDK's connection pool, with its queue in front of it, for every capacity variant.

The SDK's client allows `groq.DEFAULT_CONNECTION_LIMITS.max_connections` (100) connections; a
request beyond them waits in httpcore's pool, which on every request added or released scans
each waiting request against each connection: O(waiting x connections) per event. With a few
thousand requests waiting (the naive handler, and ours when the budget opens a window) that
scan took the whole core, starved the fake Groq that shares the event loop and made the
limited-Groq figures measure httpcore instead of Groq's limits. `pooled_client` keeps the very
same limit and order: at most that many requests inside the pool, the rest waiting first come
first served in front of it with the same pool timeout, in O(1).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast
from unittest.mock import patch

import httpx
from groq import DEFAULT_CONNECTION_LIMITS, DefaultAsyncHttpxClient

CONNECTIONS = DEFAULT_CONNECTION_LIMITS.max_connections or 100


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its pool slot back once closed, as a pooled connection is."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:  # once, however often the body is closed
                release()


class PoolGate(httpx.AsyncBaseTransport):
    """At most `size` requests inside `inner`; the others wait in order, up to the pool timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport, size: int) -> None:
        self._inner = inner
        self._slots = asyncio.Semaphore(size)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = cast(dict[str, float | None], request.extensions.get("timeout", {}))
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError as error:
            raise httpx.PoolTimeout("no connection in the pool's time", request=request) from error
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        stream = cast(httpx.AsyncByteStream, response.stream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Releasing(stream, self._slots.release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _client(**kwargs: Any) -> httpx.AsyncClient:
    inner = httpx.AsyncHTTPTransport(limits=DEFAULT_CONNECTION_LIMITS)
    return DefaultAsyncHttpxClient(transport=PoolGate(inner, CONNECTIONS), **kwargs)


@contextmanager
def pooled_client() -> Iterator[None]:
    """While open, `bot.components` builds its Groq clients around the gated pool."""
    with patch("bot.components.DefaultAsyncHttpxClient", _client):
        yield
