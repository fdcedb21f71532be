"""What only the leased placement does: the lease taken with the record, on a real Redis.

The contract both placements keep is in test_placement_*.py beside it; these tests look at the
stream and the lease behind it. The lease TTL is long, so the periodic sweep never runs within
a test: what happens is what `accept` did.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.conversation.conversations import Conversations
from bot.conversation.leased import LeasedPlacement
from bot.conversation.placement import Accepted
from bot.core.chat import ChatKey
from bot.storage.inbox import Entry
from bot.storage.redis import RedisBackend
from bot.storage.redis.inbox import RedisInbox
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import (
    INBOX,
    KEY,
    ScriptedModel,
    build,
    left_by_a_dead_replica,
    started_redis,
    texts,
    turn,
)


@pytest.fixture
async def backend(redis_url: str) -> AsyncIterator[RedisBackend]:
    async with started_redis(redis_url, lease_ttl=30.0) as built:
        yield built


@pytest.fixture
async def conversations(
    backend: RedisBackend, fake_telegram: FakeTelegram
) -> AsyncIterator[tuple[Conversations, ScriptedModel]]:
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    model = ScriptedModel()
    supervisor = build(backend, bot, model)
    await supervisor.placement.start()
    yield supervisor, model
    await supervisor.shutdown(0.1)
    await bot.session.close()


@pytest.fixture
def pulls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `offered` of every pull of the inbox, in order."""
    seen: list[int] = []
    pull = RedisInbox.pull

    async def counted(
        durable_inbox: RedisInbox, key: ChatKey, offered: int, token: str
    ) -> list[Entry] | None:
        seen.append(offered)
        return await pull(durable_inbox, key, offered, token)

    monkeypatch.setattr(RedisInbox, "pull", counted)
    return seen


def placement_of(supervisor: Conversations) -> LeasedPlacement:
    placement = supervisor.placement
    assert isinstance(placement, LeasedPlacement)
    return placement


async def test_a_full_inbox_takes_no_lease(
    conversations: tuple[Conversations, ScriptedModel], backend: RedisBackend
) -> None:
    supervisor, _ = conversations
    await left_by_a_dead_replica(backend, *range(1, INBOX + 1))
    assert await supervisor.accept(KEY, turn(9, "m9")) is Accepted.INBOX_FULL
    assert await backend.redis.get(backend.keys.lease(KEY)) is None
    assert len(supervisor.placement) == 0  # no actor started for it
    entries = await backend.redis.xrange(backend.keys.inbox(KEY)) or []
    assert [entry_id for entry_id, _ in entries] == [f"{n}-1".encode() for n in range(1, 6)]


async def test_another_replicas_lease_is_not_touched(
    conversations: tuple[Conversations, ScriptedModel], backend: RedisBackend
) -> None:
    supervisor, _ = conversations
    lease = backend.keys.lease(KEY)
    await backend.redis.set(lease, "other:1", px=60_000)
    assert await supervisor.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    assert await backend.redis.get(lease) == b"other:1"
    assert len(supervisor.placement) == 0  # the other replica answers it
    assert await backend.redis.xlen(backend.keys.inbox(KEY)) == 1


async def test_the_lease_is_taken_with_the_record(
    conversations: tuple[Conversations, ScriptedModel],
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
) -> None:
    supervisor, model = conversations
    placement = placement_of(supervisor)
    model.gate = asyncio.Event()
    assert await supervisor.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    assert await backend.redis.pttl(backend.keys.lease(KEY)) > 20_000
    assert placement.leases_taken == 1 and len(supervisor.placement) == 1
    assert await supervisor.accept(KEY, turn(2, "m2")) is Accepted.QUEUED  # held: no new lease
    assert placement.leases_taken == 1
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 2)
    assert texts(fake_telegram) == ["echo: m1", "echo: m2"]


async def test_a_lease_gone_under_a_live_actor_is_taken_anew_and_nothing_is_repeated(
    conversations: tuple[Conversations, ScriptedModel],
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
) -> None:
    """The actor's lease ran out while it was stuck in a turn; the next message takes the
    chat again: the stuck actor stops, a new one answers the stream from where it stands."""
    supervisor, model = conversations
    placement = placement_of(supervisor)
    model.gate = asyncio.Event()
    assert await supervisor.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    await model.started.wait()
    await backend.redis.delete(backend.keys.lease(KEY))  # ran out
    assert await supervisor.accept(KEY, turn(2, "m2")) is Accepted.QUEUED
    assert placement.leases_taken == 2
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 2)
    await asyncio.sleep(0.2)  # a repeated answer, if any, would show up here
    assert texts(fake_telegram) == ["echo: m1", "echo: m2"]
    assert len(supervisor.placement) <= 1


async def test_a_turn_alone_in_the_stream_is_offered_without_reading_it_back(
    conversations: tuple[Conversations, ScriptedModel],
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
    pulls: list[int],
) -> None:
    supervisor, model = conversations
    model.gate = asyncio.Event()
    assert await supervisor.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    await model.started.wait()
    assert pulls == []  # the new actor had its turn from accept
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 1)
    while await backend.redis.get(backend.keys.lease(KEY)) is not None:
        await asyncio.sleep(0.01)  # the actor's pull crosses it off and lets the lease go
    assert pulls == [1]
    assert texts(fake_telegram) == ["echo: m1"]
    assert await backend.redis.xlen(backend.keys.inbox(KEY)) == 0
    assert not await backend.redis.sismember(backend.keys.inboxes, KEY.scope)


async def test_turns_left_waiting_are_pulled_and_answered_first_in_order(
    conversations: tuple[Conversations, ScriptedModel],
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
    pulls: list[int],
) -> None:
    supervisor, model = conversations
    await left_by_a_dead_replica(backend, 1, 2)
    assert await supervisor.accept(KEY, turn(3, "m3")) is Accepted.QUEUED  # three wait now
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 3)
    await asyncio.sleep(0.2)  # a repeated answer, if any, would show up here
    assert texts(fake_telegram) == ["echo: m1", "echo: m2", "echo: m3"]
    assert [prompt[-1].content for prompt in model.prompts] == ["m1", "m2", "m3"]
    assert pulls[0] == 0  # the new actor read the stream from its start


async def test_a_turn_whose_lease_another_replica_took_cannot_commit(
    conversations: tuple[Conversations, ScriptedModel],
    backend: RedisBackend,
    fake_telegram: FakeTelegram,
) -> None:
    """The actor stalled past its lease and another replica took the chat: the answer it
    still sends is the one repeat a lost lease may cost, but it writes nothing, and leaves
    the turn in the stream for the new holder."""
    supervisor, model = conversations
    model.gate = asyncio.Event()
    assert await supervisor.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    await model.started.wait()
    await backend.redis.set(backend.keys.lease(KEY), "other:1", px=60_000)
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(texts(fake_telegram)) >= 1)
    while len(supervisor.placement):  # the actor without a lease stops
        await asyncio.sleep(0.01)
    assert await backend.dialogs.load(KEY) == []
    assert (await backend.usage.today()).turns == 0
    entries = await backend.redis.xrange(backend.keys.inbox(KEY)) or []
    assert [entry_id for entry_id, _ in entries] == [b"1-1"]
    assert await backend.redis.get(backend.keys.lease(KEY)) == b"other:1"
