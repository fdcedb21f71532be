"""The chat's FSM state has one writer, its placement: `awaiting_reply` in the step that queues
a turn, `idle` in the step that finds the chat's inbox empty (docs/architecture.md, "The
chat's state"). A turn's end writes none of it, so a turn recorded by another replica while the
last one ends can no longer be hidden by an `idle` written after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.core.fsm import ConversationStates, chat_context
from bot.storage.base import Commit, Conclusion
from bot.storage.redis import RedisBackend
from bot.storage.redis.inbox import RedisInbox
from bot.storage.redis.leases import RedisLeases
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import KEY, ScriptedModel, build, started_redis, texts, turn

BUSY, IDLE = ConversationStates.awaiting_reply.state, ConversationStates.idle.state


@pytest.fixture
async def backend(redis_url: str) -> AsyncIterator[RedisBackend]:
    async with started_redis(redis_url, lease_ttl=5.0) as built:
        yield built


async def test_a_turn_recorded_while_the_last_one_ends_keeps_the_chat_busy(
    backend: RedisBackend,
) -> None:
    """The order that left a busy chat `idle`: another replica records m2 just before the
    holder writes m1's end. Only the holder's look at the inbox, which finds m2, decides."""
    inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    holder = RedisLeases(backend.redis, backend.keys, ttl_seconds=5)
    state = chat_context(backend.fsm_storage, KEY)
    claim = holder.claim(KEY)
    assert (await inbox.record(KEY, turn(1, "m1"), limit=5, claim=claim)).leased
    assert await state.get_state() == BUSY

    await inbox.record(KEY, turn(2, "m2"), limit=5)  # on another replica: the lease is taken
    end = Conclusion(turn(1, "m1"), 9, failed=False, commit=Commit(0, ()), lease=claim.token)
    await backend.turns.conclude(KEY, end)
    assert await state.get_state() == BUSY  # m2 waits

    pulled = await inbox.pull(KEY, 1, claim.token)
    assert [entry.message_id for entry in pulled or []] == [2]
    assert await state.get_state() == BUSY
    await backend.turns.conclude(KEY, Conclusion(turn(2, "m2"), 9, False, lease=claim.token))
    assert await inbox.pull(KEY, 2, claim.token) == []  # nothing left: the lease goes...
    assert await state.get_state() == IDLE  # ...and the chat is idle, in the same step
    assert await backend.redis.get(backend.keys.lease(KEY)) is None


async def test_a_replica_that_stops_after_its_last_answer_leaves_the_chat_idle(
    backend: RedisBackend, fake_telegram: FakeTelegram
) -> None:
    """A rolling deploy stops a replica mid-turn: its actor's last look finds nothing left."""
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    model = ScriptedModel()
    model.gate = asyncio.Event()
    stopping = build(backend, bot, model)
    await stopping.placement.start()
    state = chat_context(backend.fsm_storage, KEY)
    try:
        await stopping.accept(KEY, turn(1, "m1"))
        await model.started.wait()
        shutdown = asyncio.create_task(stopping.shutdown(30))
        await asyncio.sleep(0.05)
        assert await state.get_state() == BUSY
        model.gate.set()
        await shutdown
        assert texts(fake_telegram) == ["echo: m1"]
        assert await state.get_state() == IDLE
        assert await backend.redis.get(backend.keys.lease(KEY)) is None
    finally:
        await bot.session.close()


async def test_a_reset_with_no_holder_leaves_the_chat_to_the_sweep_which_idles_it(
    backend: RedisBackend, fake_telegram: FakeTelegram
) -> None:
    """Turns left by a dead replica and dropped by /start: the sweep takes the chat up, finds
    its inbox empty and idles it; nothing else writes the state."""
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    await inbox.record(KEY, turn(1, "m1"), limit=5)  # no claim: nobody holds the chat
    state = chat_context(backend.fsm_storage, KEY)
    replica = build(backend, bot, ScriptedModel())
    try:
        await replica.reset(KEY)
        assert await inbox.after(KEY, 0) == []
        await replica.placement.start()  # its first sweep starts an actor, which looks
        async with asyncio.timeout(10):
            while await state.get_state() != IDLE:
                await asyncio.sleep(0.01)
        assert await backend.redis.get(backend.keys.lease(KEY)) is None
        assert texts(fake_telegram) == []
    finally:
        await replica.shutdown(1)
        await bot.session.close()
