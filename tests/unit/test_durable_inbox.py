"""The durable inbox in Redis: written once per message, crossed off, recovered in order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.core.chat import ChatKey
from bot.core.errors import StorageUnavailable
from bot.core.turn import Turn
from bot.storage.inbox import Entry, Recorded, UnreadableEntry
from bot.storage.redis import RedisBackend
from bot.storage.redis.inbox import RedisInbox
from bot.storage.redis.leases import RedisLeases

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


def texts(entries: Sequence[Entry] | None) -> list[str]:
    """The entries' texts: every one of them a turn this release reads."""
    assert entries is not None
    return [entry.text if isinstance(entry, Turn) else repr(entry) for entry in entries]


class Inbox(RedisInbox):
    """The durable_inbox with a limit nothing here reaches, for the tests that are not about it."""

    async def add(self, key: ChatKey, turn: Turn) -> int:
        return (await self.record(key, turn, limit=100)).waiting


@pytest.fixture
async def durable_inbox(redis_backend: RedisBackend) -> AsyncIterator[Inbox]:
    yield Inbox(redis_backend.redis, redis_backend.keys, ttl_seconds=3600)


@pytest.fixture
def leases(redis_backend: RedisBackend) -> RedisLeases:
    return RedisLeases(redis_backend.redis, redis_backend.keys, ttl_seconds=5.0)


async def test_a_message_is_recorded_once(durable_inbox: Inbox) -> None:
    assert await durable_inbox.add(A, turn(A, 7)) == 1
    assert await durable_inbox.add(A, turn(A, 7)) == 0  # Telegram delivered it again
    assert await durable_inbox.add(A, turn(A, 6)) == 0  # older than what was taken
    assert await durable_inbox.add(B, turn(B, 7)) == 1  # other chats are their own
    assert await durable_inbox.add(A, turn(A, 8)) == 2  # two of A's turns wait now


async def test_the_lease_is_taken_with_the_record_and_held_like_an_acquired_one(
    durable_inbox: Inbox, leases: RedisLeases, redis_backend: RedisBackend
) -> None:
    redis, keys = redis_backend.redis, redis_backend.keys
    claim = leases.claim(A)
    assert claim.key == keys.lease(A) and claim.token.startswith(f"{leases.replica}:")
    assert await durable_inbox.record(A, turn(A, 1), limit=5, claim=claim) == Recorded(
        1, leased=True
    )
    assert await redis.get(keys.lease(A)) == claim.token.encode()
    assert 0 < await redis.pttl(keys.lease(A)) <= 5000
    assert await durable_inbox.after(A, 0) == [turn(A, 1)]
    # Held now: the next record's claim finds it taken, and the holder renews and releases it
    later = leases.claim(A)
    assert later.token != claim.token
    assert await durable_inbox.record(A, turn(A, 2), limit=5, claim=later) == Recorded(2)
    assert await redis.get(keys.lease(A)) == claim.token.encode()
    assert await leases.renew({A: claim.token}) == []
    await leases.release(A, claim.token)
    assert await leases.holder(A) is None


async def test_another_replicas_lease_is_left_as_it_is(
    durable_inbox: Inbox, leases: RedisLeases, redis_backend: RedisBackend
) -> None:
    redis, keys = redis_backend.redis, redis_backend.keys
    await redis.set(keys.lease(A), "other:7", px=60_000)
    recorded = await durable_inbox.record(A, turn(A, 1), limit=5, claim=leases.claim(A))
    assert recorded == Recorded(1, leased=False)  # recorded all the same, for the holder
    assert await redis.get(keys.lease(A)) == b"other:7"
    assert await redis.pttl(keys.lease(A)) > 50_000
    assert await durable_inbox.after(A, 0) == [turn(A, 1)]


async def test_a_redelivery_is_a_duplicate_and_takes_no_lease(
    durable_inbox: Inbox, leases: RedisLeases, redis_backend: RedisBackend
) -> None:
    await durable_inbox.add(A, turn(A, 7))
    for message_id in (7, 6):  # again, and older than what was taken
        recorded = await durable_inbox.record(
            A, turn(A, message_id), limit=5, claim=leases.claim(A)
        )
        assert recorded == Recorded(0, leased=False)
    assert await leases.holder(A) is None
    assert await durable_inbox.after(A, 0) == [turn(A, 7)]


async def test_a_full_inbox_crosses_the_turn_off_and_takes_no_lease(
    durable_inbox: Inbox, leases: RedisLeases
) -> None:
    for n in (1, 2):
        assert await durable_inbox.record(A, turn(A, n), limit=2) == Recorded(n)
    refused = await durable_inbox.record(A, turn(A, 3), limit=2, claim=leases.claim(A))
    assert refused == Recorded(3, leased=False)
    assert await leases.holder(A) is None
    assert [t.message_id for t in await durable_inbox.after(A, 0)] == [1, 2]
    assert (
        await durable_inbox.add(A, turn(A, 3)) == 0
    )  # its id stays taken: a redelivery is refused


async def test_other_redis_errors_are_storage_unavailable(
    durable_inbox: Inbox, leases: RedisLeases, redis_backend: RedisBackend
) -> None:
    await redis_backend.redis.set(redis_backend.keys.inbox(A), "not a stream")
    with pytest.raises(StorageUnavailable):
        await durable_inbox.record(A, turn(A, 1), limit=5, claim=leases.claim(A))
    assert await leases.holder(A) is None


async def test_after_reads_a_chats_turns_in_order_with_every_field(
    durable_inbox: Inbox,
) -> None:
    for n in (3, 4, 9):
        await durable_inbox.add(A, turn(A, n, f"a{n}"))
    await durable_inbox.add(B, turn(B, 1, "b1"))
    await durable_inbox.done(A, [turn(A, 4)])
    assert texts(await durable_inbox.after(A, 0)) == ["a3", "a9"]
    assert texts(await durable_inbox.after(A, 3)) == ["a9"]
    assert await durable_inbox.after(A, 9) == []
    assert await durable_inbox.after(B, 0) == [turn(B, 1, "b1")]


async def test_done_is_final_even_for_a_redelivery(durable_inbox: Inbox) -> None:
    await durable_inbox.add(A, turn(A, 5))
    await durable_inbox.done(A, [turn(A, 5)])
    assert await durable_inbox.after(A, 0) == []
    assert await durable_inbox.add(A, turn(A, 5)) == 0


async def test_chats_with_turns_left_are_listed_until_a_pull_finds_none(
    durable_inbox: Inbox, redis_backend: RedisBackend
) -> None:
    redis, keys = redis_backend.redis, redis_backend.keys
    await durable_inbox.add(A, turn(A, 1))
    await durable_inbox.add(B, turn(B, 1))
    await durable_inbox.add(T, turn(T, 2))
    assert sorted(await durable_inbox.chats(), key=str) == sorted([A, B, T], key=str)
    await redis.set(keys.lease(A), "holder:1")
    assert await durable_inbox.pull(A, 0, "holder:1") == [turn(A, 1)]  # a turn waits: A stays
    assert await redis.get(keys.lease(A)) == b"holder:1"
    await durable_inbox.done(A, [turn(A, 1)])
    assert await durable_inbox.pull(A, 1, "holder:1") == []
    assert await redis.get(keys.lease(A)) is None  # let go in the same step
    assert sorted(await durable_inbox.chats(), key=str) == sorted([B, T], key=str)
    assert await durable_inbox.after(T, 0) == [turn(T, 2)]


async def test_a_pull_that_finds_nothing_forgets_the_chats_counts_of_starts(
    durable_inbox: Inbox, redis_backend: RedisBackend
) -> None:
    """A count left behind (the turn was crossed off by a pull, not by its end) goes with
    the inbox; a release before that wrote none is read as 0 (tests/e2e/test_upgrade.py)."""
    redis, keys = redis_backend.redis, redis_backend.keys
    await durable_inbox.add(A, turn(A, 1))
    await redis.hset(keys.attempts(A), "1-1", 1)
    await redis.set(keys.lease(A), "holder:1")
    assert await durable_inbox.pull(A, 0, "holder:1") == [turn(A, 1)]
    assert await redis.exists(keys.attempts(A)) == 1  # the turn still waits
    assert await durable_inbox.pull(A, 1, "holder:1") == []
    assert await redis.exists(keys.attempts(A)) == 0


async def test_a_pull_without_the_lease_changes_nothing(
    durable_inbox: Inbox, redis_backend: RedisBackend
) -> None:
    """Fenced like a turn's end: 3 and 4 were offered to the old holder, whose lease ran out
    (and was taken by another replica); the new holder answers them now: they stay."""
    redis, keys = redis_backend.redis, redis_backend.keys
    for n in (3, 4):
        await durable_inbox.add(A, turn(A, n, f"a{n}"))
    await redis.set(keys.lease(A), "holder:1")
    await redis.delete(keys.lease(A))  # ran out, and nobody took it yet
    assert await durable_inbox.pull(A, 4, "holder:1") is None
    await redis.set(keys.lease(A), "other:7")  # taken by another replica
    assert await durable_inbox.pull(A, 4, "holder:1") is None
    assert texts(await durable_inbox.after(A, 0)) == ["a3", "a4"]
    assert await durable_inbox.chats() == [A]
    assert await redis.get(keys.lease(A)) == b"other:7"
    assert texts(await durable_inbox.pull(A, 0, "other:7")) == ["a3", "a4"]


async def test_an_entry_this_release_cannot_read_stands_in_its_place(
    durable_inbox: Inbox, redis_backend: RedisBackend
) -> None:
    """Corrupt, a newer release's, another chat's: each read as `UnreadableEntry`, in order, with
    no part of its body but the language a newer release still names."""
    redis, keys = redis_backend.redis, redis_backend.keys
    await durable_inbox.add(A, turn(A, 1, "a1"))
    newer = '{"v": 99, "chat_id": 10, "message_id": 3, "language_code": "ru", "text": "x"}'
    bodies = {2: "{not json", 3: newer, 4: turn(B, 4).encode(), 5: "[1, 2]"}
    for n, body in bodies.items():
        await redis.xadd(keys.inbox(A), {"turn": body}, id=f"{n}-1")
    await redis.xadd(keys.inbox(A), {"other": "field"}, id="6-1")
    await durable_inbox.add(A, turn(A, 7, "a7"))
    expected: list[Entry] = [
        turn(A, 1, "a1"),
        UnreadableEntry("2-1", 2, "JSONDecodeError"),
        UnreadableEntry("3-1", 3, "ValueError", "ru"),
        UnreadableEntry("4-1", 4, "ValueError", "ru"),  # a turn, but of chat B
        UnreadableEntry("5-1", 5, "TypeError"),
        UnreadableEntry("6-1", 6, "JSONDecodeError"),
        turn(A, 7, "a7"),
    ]
    assert await durable_inbox.after(A, 0) == expected
    await redis.set(keys.lease(A), "holder:1")
    assert await durable_inbox.pull(A, 0, "holder:1") == expected
    await durable_inbox.done(A, expected[1:6])  # dropped by their ids
    assert texts(await durable_inbox.after(A, 0)) == ["a1", "a7"]
