"""A leased replica's shutdown, as in a rolling deploy: two replicas on a real Redis, one
stopping while it answers a chat, the other taking the chat over (docs/architecture.md,
"Rolling deploys"). Leases last a second, so a shutdown that waits longer must renew them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.conversation.conversations import Conversations
from bot.conversation.placement import Accepted
from bot.core.chat import ChatKey
from bot.storage.redis import RedisBackend
from bot.storage.redis.leases import RedisLeases
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import (
    KEY,
    ScriptedModel,
    build,
    left_by_a_dead_replica,
    started_redis,
    texts,
    turn,
)

Replicas = tuple[Conversations, Conversations, ScriptedModel]


@pytest.fixture
async def backend(redis_url: str) -> AsyncIterator[RedisBackend]:
    async with started_redis(redis_url, lease_ttl=1.0) as built:
        yield built


@pytest.fixture
async def replicas(backend: RedisBackend, fake_telegram: FakeTelegram) -> AsyncIterator[Replicas]:
    """The replica that stops (started) and the one that takes over (not started yet)."""
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    model = ScriptedModel()
    model.gate = asyncio.Event()
    stopping, taking_over = build(backend, bot, model), build(backend, bot, model)
    await stopping.placement.start()
    yield stopping, taking_over, model
    await taking_over.shutdown(1)
    await bot.session.close()


async def inbox(backend: RedisBackend) -> list[bytes | str | None]:
    """The entry ids left in the chat's stream."""
    entries = await backend.redis.xrange(backend.keys.inbox(KEY)) or []
    return [entry_id for entry_id, _ in entries]


async def test_a_stopping_replica_keeps_its_lease_until_the_turn_in_flight_ends(
    replicas: Replicas, backend: RedisBackend, fake_telegram: FakeTelegram
) -> None:
    """The turn in flight is finished under a lease kept alive past its TTL; the turns queued
    behind it are not started but left in the stream, and the lease is let go at once, so the
    next replica answers them, on the finished turn's history."""
    stopping, taking_over, model = replicas
    await left_by_a_dead_replica(backend, 1, 2)
    assert await stopping.accept(KEY, turn(3, "m3")) is Accepted.QUEUED
    await model.started.wait()  # m1 in flight, m2 and m3 queued behind it
    shutdown = asyncio.create_task(stopping.shutdown(30))
    await asyncio.sleep(1.5)  # past the lease's TTL
    assert await backend.redis.get(backend.keys.lease(KEY)) is not None
    assert model.gate is not None
    model.gate.set()
    await shutdown
    assert texts(fake_telegram) == ["echo: m1"]
    assert await backend.redis.get(backend.keys.lease(KEY)) is None
    assert await inbox(backend) == [b"2-1", b"3-1"]

    await taking_over.placement.start()  # its first sweep finds the chat free
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 3)
    await asyncio.sleep(0.2)  # a repeated answer, if any, would show up here
    assert texts(fake_telegram) == ["echo: m1", "echo: m2", "echo: m3"]
    prompt = [m.content for m in model.prompts[-1]]
    assert prompt == ["be nice", "m1", "echo: m1", "m2", "echo: m2", "m3"]


async def test_a_turn_past_the_deadline_is_cancelled_then_its_lease_let_go_and_answered_once(
    replicas: Replicas,
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SHUTDOWN_TIMEOUT passes with the turn still at the model: it is cancelled, and only
    then its lease let go; nobody is told to send again, and the next holder answers it."""
    stopping, taking_over, model = replicas
    running_at_release: list[int] = []
    release = RedisLeases.release

    async def watched(leases: RedisLeases, key: ChatKey, token: str) -> None:
        running_at_release.append(stopping.placement.pending(key))  # the turn in flight counts
        await release(leases, key, token)

    monkeypatch.setattr(RedisLeases, "release", watched)
    await left_by_a_dead_replica(backend, 1)
    assert await stopping.accept(KEY, turn(2, "m2")) is Accepted.QUEUED
    await model.started.wait()  # m1 at the model, which will not answer in time
    await stopping.shutdown(0.2)
    assert running_at_release == [0]
    assert texts(fake_telegram) == []
    assert await backend.redis.get(backend.keys.lease(KEY)) is None
    assert await inbox(backend) == [b"1-1", b"2-1"]

    model.gate = None
    await taking_over.placement.start()
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 2)
    await asyncio.sleep(0.2)  # a repeated answer, if any, would show up here
    assert texts(fake_telegram) == ["echo: m1", "echo: m2"]
    assert [m.content for m in model.prompts[-1]] == ["be nice", "m1", "echo: m1", "m2"]
