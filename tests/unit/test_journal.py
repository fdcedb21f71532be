"""The durable inbox in Redis: written once per message, crossed off, recovered in order."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.conversation.leased.journal import TurnJournal
from bot.domain import ChatKey, Turn
from bot.storage.redis import RedisBackend

A = ChatKey(bot_id=1, chat_id=10)
B = ChatKey(bot_id=1, chat_id=-20)
T = ChatKey(bot_id=1, chat_id=-20, thread_id=3)  # a forum topic of B


def turn(chat: ChatKey, message_id: int, text: str = "hi") -> Turn:
    return Turn(
        chat_id=chat.chat_id,
        user_id=5,
        message_id=message_id,
        text=text,
        language_code="ru",
        private=chat.chat_id > 0,
        thread_id=chat.thread_id,
    )


@pytest.fixture
async def journal(redis_backend: RedisBackend) -> AsyncIterator[TurnJournal]:
    yield TurnJournal(redis_backend.redis, redis_backend.keys, ttl_seconds=3600)


async def test_a_message_is_recorded_once(journal: TurnJournal) -> None:
    assert await journal.record(A, turn(A, 7)) == 1
    assert await journal.record(A, turn(A, 7)) == 0  # Telegram delivered it again
    assert await journal.record(A, turn(A, 6)) == 0  # older than what was taken
    assert await journal.record(B, turn(B, 7)) == 1  # other chats are their own
    assert await journal.record(A, turn(A, 8)) == 2  # two of A's turns wait now


async def test_after_reads_a_chats_turns_in_order_with_every_field(
    journal: TurnJournal,
) -> None:
    for n in (3, 4, 9):
        await journal.record(A, turn(A, n, f"a{n}"))
    await journal.record(B, turn(B, 1, "b1"))
    await journal.done(A, [turn(A, 4)])
    assert [t.text for t in await journal.after(A, 0)] == ["a3", "a9"]
    assert [t.text for t in await journal.after(A, 3)] == ["a9"]
    assert await journal.after(A, 9) == []
    assert await journal.after(B, 0) == [turn(B, 1, "b1")]


async def test_done_is_final_even_for_a_redelivery(journal: TurnJournal) -> None:
    await journal.record(A, turn(A, 5))
    await journal.done(A, [turn(A, 5)])
    assert await journal.after(A, 0) == []
    assert await journal.record(A, turn(A, 5)) == 0


async def test_chats_with_turns_left_are_listed_until_a_pull_finds_none(
    journal: TurnJournal, redis_backend: RedisBackend
) -> None:
    redis, keys = redis_backend.redis, redis_backend.keys
    await journal.record(A, turn(A, 1))
    await journal.record(B, turn(B, 1))
    await journal.record(T, turn(T, 2))
    assert sorted(await journal.chats(), key=str) == sorted([A, B, T], key=str)
    await redis.set(keys.lease(A), "holder:1")
    assert await journal.pull(A, 0, "holder:1") == [turn(A, 1)]  # a turn waits: A stays
    assert await redis.get(keys.lease(A)) == b"holder:1"
    await journal.done(A, [turn(A, 1)])
    assert await journal.pull(A, 1, "holder:1") == []
    assert await redis.get(keys.lease(A)) is None  # let go in the same step
    assert sorted(await journal.chats(), key=str) == sorted([B, T], key=str)
    assert await journal.after(T, 0) == [turn(T, 2)]


async def test_a_pull_crosses_off_what_was_offered_and_keeps_a_lease_taken_since(
    journal: TurnJournal, redis_backend: RedisBackend
) -> None:
    redis, keys = redis_backend.redis, redis_backend.keys
    for n in (3, 4):
        await journal.record(A, turn(A, n, f"a{n}"))
    await redis.set(keys.lease(A), "other:7")  # the lease ran out and another replica took it
    # 3 and 4 were offered here, and their crossing-off failed: they are not left behind
    assert await journal.pull(A, 4, "holder:1") == []
    assert await journal.after(A, 0) == []
    assert await redis.get(keys.lease(A)) == b"other:7"
    await journal.record(A, turn(A, 5, "a5"))
    assert [t.text for t in await journal.pull(A, 4, "other:7")] == ["a5"]
