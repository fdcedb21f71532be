"""The Groq client's pool gate: the SDK's connection limit kept, the waiting done in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.llm.pool_gate import PoolGate


class _Held:
    """A transport whose responses wait for a release; it counts the requests inside."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.order: list[str] = []
        self.go = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.inside += 1
        self.most = max(self.most, self.inside)
        self.order.append(request.url.path)
        try:
            await self.go.wait()
        finally:
            self.inside -= 1
        return httpx.Response(200, content=b"ok")


async def test_no_more_than_the_limit_is_inside_and_the_rest_go_in_order() -> None:
    held = _Held()
    async with httpx.AsyncClient(transport=PoolGate(httpx.MockTransport(held), 2)) as client:
        calls = [asyncio.create_task(client.get(f"http://groq/{n}")) for n in range(6)]
        await asyncio.sleep(0.05)
        assert held.inside == 2
        held.go.set()
        responses = await asyncio.gather(*calls)
    assert [r.text for r in responses] == ["ok"] * 6
    assert held.most == 2
    assert held.order == [f"/{n}" for n in range(6)]


async def test_a_slot_is_held_until_the_streamed_body_is_closed() -> None:
    held = _Held()
    held.go.set()
    gate = PoolGate(httpx.MockTransport(held), 1)
    async with httpx.AsyncClient(transport=gate) as client:
        async with client.stream("GET", "http://groq/a") as first:
            second = asyncio.create_task(client.get("http://groq/b"))
            await asyncio.sleep(0.05)
            assert not second.done()  # the first body is still open
            await first.aread()
        assert (await asyncio.wait_for(second, 1)).text == "ok"


async def test_waiting_past_the_pool_timeout_is_a_pool_timeout() -> None:
    held = _Held()
    timeout = httpx.Timeout(5.0, pool=0.05)
    async with httpx.AsyncClient(
        transport=PoolGate(httpx.MockTransport(held), 1), timeout=timeout
    ) as client:
        first = asyncio.create_task(client.get("http://groq/a"))
        await asyncio.sleep(0.01)
        with pytest.raises(httpx.PoolTimeout):
            await client.get("http://groq/b")
        held.go.set()
        assert (await first).text == "ok"
