"""The TurnStorage contract, run over every adapter: memory and a real Redis.

A turn's load reads the chat's settings and history together; its end writes the pair and
the day's counts as one change, and with Redis crosses the turn off its durable inbox in the
same transaction. The chat's state is not theirs to write
(tests/unit/placement/test_chat_state.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.chat_settings.model import ChatSettingsStore
from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.fsm import ConversationStates, chat_context
from bot.core.messages import ChatMessage
from bot.core.turn import Turn
from bot.storage.base import Backend, Commit, Conclusion, LeaseLost, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend
from bot.storage.redis.inbox import RedisInbox
from bot.storage.redis.leases import RedisLeases

KEY = ChatKey(bot_id=1, chat_id=100)
TOPIC = ChatKey(bot_id=1, chat_id=100, thread_id=7)
USER = 100


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    if request.param == "memory":
        built: Backend = MemoryBackend.from_url("memory://", options)
    else:
        built = RedisBackend.from_url(str(request.getfixturevalue("redis_url")), options)
    yield built
    await built.aclose()


def turn(message_id: int, key: ChatKey = KEY) -> Turn:
    return Turn(
        chat_id=key.chat_id,
        user_id=USER,
        message_id=message_id,
        text=f"q{message_id}",
        thread_id=key.thread_id,
    )


def pair(n: int) -> tuple[ChatMessage, ChatMessage]:
    return ChatMessage.user(f"q{n}"), ChatMessage.assistant(f"a{n}")


async def test_a_new_chat_loads_the_defaults_and_no_history(backend: Backend) -> None:
    loaded = await backend.turns.load(KEY, turn(1))
    assert ChatSettings.from_data(loaded.data) == ChatSettings()
    assert loaded.history == []


async def test_the_load_reads_the_settings_and_the_history_of_that_chat(backend: Backend) -> None:
    chosen = ChatSettings(model="m", system="be brief", reasoning=True, revision=3)
    await ChatSettingsStore(backend.fsm_storage).save(KEY, chosen)
    await backend.dialogs.replace_last(KEY, 0, pair(1))
    await backend.dialogs.replace_last(TOPIC, 0, pair(2))  # a forum topic is a dialog of its own
    loaded = await backend.turns.load(KEY, turn(1))
    assert ChatSettings.from_data(loaded.data) == chosen
    assert loaded.history == list(pair(1))
    topic = await backend.turns.load(TOPIC, turn(1, TOPIC))
    assert (ChatSettings.from_data(topic.data), topic.history) == (ChatSettings(), list(pair(2)))


async def test_an_answered_turn_commits_and_counts_and_leaves_the_state_alone(
    backend: Backend,
) -> None:
    """The chat's state has one writer, its placement (bot/conversation/placement.py)."""
    await backend.dialogs.replace_last(KEY, 0, pair(1))
    state = chat_context(backend.fsm_storage, KEY)
    await state.set_state(ConversationStates.awaiting_reply)
    conclusion = Conclusion(turn(2), 30, failed=False, commit=Commit(0, pair(2)))
    await backend.turns.conclude(KEY, conclusion)
    assert await backend.dialogs.load(KEY) == [*pair(1), *pair(2)]
    assert await backend.usage.tokens_today(USER) == 30
    assert (await backend.usage.today()).turns == 1
    assert await state.get_state() == ConversationStates.awaiting_reply.state


async def test_a_retry_replaces_the_last_pair(backend: Backend) -> None:
    await backend.dialogs.replace_last(KEY, 0, [*pair(1), *pair(2)])
    again = (ChatMessage.user("q2"), ChatMessage.assistant("a2, better"))
    await backend.turns.conclude(
        KEY, Conclusion(turn(3), 5, failed=False, commit=Commit(2, again))
    )
    assert await backend.dialogs.load(KEY) == [*pair(1), *again]


async def test_a_failed_turn_is_counted_and_commits_nothing(backend: Backend) -> None:
    await backend.dialogs.replace_last(KEY, 0, pair(1))
    state = chat_context(backend.fsm_storage, KEY)
    await state.set_state(ConversationStates.awaiting_reply)
    await backend.turns.conclude(KEY, Conclusion(turn(2), 0, failed=True))
    assert await backend.dialogs.load(KEY) == list(pair(1))
    day = await backend.usage.today()
    assert (day.turns, day.errors, day.tokens) == (1, 1, 0)
    assert await state.get_state() == ConversationStates.awaiting_reply.state


async def test_with_redis_the_end_crosses_the_turn_off_its_inbox(redis_url: str) -> None:
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    backend = RedisBackend.from_url(redis_url, options)
    durable_inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    try:
        for n in (1, 2):
            await durable_inbox.record(KEY, turn(n), limit=10)
        commit = Commit(0, pair(1))
        await backend.turns.conclude(KEY, Conclusion(turn(1), 9, failed=False, commit=commit))
        assert [t.message_id for t in await durable_inbox.after(KEY, 0)] == [2]
    finally:
        await backend.aclose()


async def test_with_redis_each_start_is_counted_until_the_end_is_written(redis_url: str) -> None:
    """A turn whose process died in it is seen as such by its next start: only its end (or a
    drop) clears the count, and the count lives as long as the inbox."""
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    backend = RedisBackend.from_url(redis_url, options)
    durable_inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    attempts = backend.keys.attempts(KEY)
    try:
        for n in (1, 2):
            await durable_inbox.record(KEY, turn(n), limit=10)
        assert [(await backend.turns.load(KEY, turn(1))).attempts for _ in "abc"] == [0, 1, 2]
        assert (await backend.turns.load(KEY, turn(2))).attempts == 0  # each turn its own
        assert 3000 < await backend.redis.ttl(attempts) <= 3600
        await backend.turns.conclude(KEY, Conclusion(turn(1), 0, failed=True))
        assert await backend.redis.hgetall(attempts) == {b"2-1": b"1"}
        await durable_inbox.done(KEY, [turn(2)])  # dropped (/cancel, a reset): the same
        assert await backend.redis.exists(attempts) == 0
    finally:
        await backend.aclose()


async def test_without_a_durable_inbox_no_start_is_counted() -> None:
    """Memory mode: a process that dies takes its turns with it, so none is started again."""
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    backend = MemoryBackend.from_url("memory://", options)
    assert [(await backend.turns.load(KEY, turn(1))).attempts for _ in "ab"] == [0, 0]


async def test_with_redis_a_replica_whose_lease_was_taken_cannot_end_a_turn(
    redis_url: str,
) -> None:
    """The fence: a turn's end lands only while its lease is the one it ran under."""
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    backend = RedisBackend.from_url(redis_url, options)
    durable_inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    stalled, taking = (RedisLeases(backend.redis, backend.keys, ttl_seconds=60) for _ in "ab")
    state = chat_context(backend.fsm_storage, KEY)
    try:
        await durable_inbox.record(KEY, turn(1), limit=10)
        old = await stalled.acquire(KEY)
        await backend.redis.delete(backend.keys.lease(KEY))  # it ran out while stalled...
        new = await taking.acquire(KEY)  # ...and another replica took the chat
        assert old is not None and new is not None
        commit = Commit(0, pair(1))
        late = Conclusion(turn(1), 9, failed=False, commit=commit, lease=old)
        with pytest.raises(LeaseLost):
            await backend.turns.conclude(KEY, late)
        assert await backend.dialogs.load(KEY) == []
        assert (await backend.usage.today()).turns == 0
        assert await state.get_state() == ConversationStates.awaiting_reply.state
        assert [t.message_id for t in await durable_inbox.after(KEY, 0)] == [
            1
        ]  # for the new holder

        await backend.turns.conclude(KEY, replace(late, lease=new))
        assert await backend.dialogs.load(KEY) == list(pair(1))
        assert await durable_inbox.after(KEY, 0) == []
    finally:
        await backend.aclose()
