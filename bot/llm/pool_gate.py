"""The Groq SDK's connection pool, with its queue in front of it.

The SDK's client allows `groq.DEFAULT_CONNECTION_LIMITS.max_connections` (100) connections; a
request beyond them waits in httpcore's pool, which on every request added or released scans
each waiting request against each connection: O(waiting x connections) per event. With a few
thousand turns admitted at once (many users when the budget opens a window) that scan takes
the whole core (just bench, limited Groq, measured with py-spy). `gated_transport` keeps the
very same limit and order: at most that many requests inside the pool, the rest waiting first
come first served in front of it with the same pool timeout, in O(1).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import cast

import httpx
from groq import DEFAULT_CONNECTION_LIMITS

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


def gated_transport(size: int = CONNECTIONS) -> PoolGate:
    """The SDK's own pool (its limits), its waiting room in front of it."""
    return PoolGate(httpx.AsyncHTTPTransport(limits=DEFAULT_CONNECTION_LIMITS), size)
