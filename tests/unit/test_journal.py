"""The durable inbox in Redis: written once per message, crossed off, recovered in order."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.conversation.journal import MemoryJournal, RedisJournal
from bot.conversation.turn import Turn
from bot.dialog.redis import RedisDialogStore
from bot.dialog.store import DialogKey

A = DialogKey(bot_id=1, chat_id=10)
B = DialogKey(bot_id=1, chat_id=-20)


def turn(chat: DialogKey, message_id: int, text: str = "hi") -> Turn:
    return Turn(
        chat_id=chat.chat_id,
        user_id=5,
        message_id=message_id,
        text=text,
        language_code="ru",
        private=chat.chat_id > 0,
    )


@pytest.fixture
async def journal(redis_url: str) -> AsyncIterator[RedisJournal]:
    store = RedisDialogStore.connect(redis_url, max_messages=10, ttl_seconds=3600)
    yield RedisJournal(store.redis, bot_id=1, prefix="t", ttl_seconds=3600)
    await store.aclose()


async def test_a_message_is_recorded_once(journal: RedisJournal) -> None:
    assert await journal.record(A, turn(A, 7)) == 1
    assert await journal.record(A, turn(A, 7)) == 0  # Telegram delivered it again
    assert await journal.record(A, turn(A, 6)) == 0  # older than what was taken
    assert await journal.record(B, turn(B, 7)) == 1  # other chats are their own
    assert await journal.record(A, turn(A, 8)) == 2  # two of A's turns wait now


async def test_after_reads_a_chats_turns_in_order_with_every_field(
    journal: RedisJournal,
) -> None:
    for n in (3, 4, 9):
        await journal.record(A, turn(A, n, f"a{n}"))
    await journal.record(B, turn(B, 1, "b1"))
    await journal.done(A, [turn(A, 4)])
    assert [t.text for t in await journal.after(A, 0)] == ["a3", "a9"]
    assert [t.text for t in await journal.after(A, 3)] == ["a9"]
    assert await journal.after(A, 9) == []
    assert await journal.after(B, 0) == [turn(B, 1, "b1")]


async def test_done_is_final_even_for_a_redelivery(journal: RedisJournal) -> None:
    await journal.record(A, turn(A, 5))
    await journal.done(A, [turn(A, 5)])
    assert await journal.after(A, 0) == []
    assert await journal.record(A, turn(A, 5)) == 0


async def test_chats_with_turns_left_are_listed_until_settled(journal: RedisJournal) -> None:
    await journal.record(A, turn(A, 1))
    await journal.record(B, turn(B, 1))
    assert sorted(k.chat_id for k in await journal.chats()) == [B.chat_id, A.chat_id]
    assert await journal.settle(A) == 1  # a turn is left: A stays listed
    await journal.done(A, [turn(A, 1)])
    assert await journal.settle(A) == 0
    assert await journal.chats() == [B]


async def test_memory_mode_writes_nothing_down() -> None:
    journal = MemoryJournal()
    assert await journal.record(A, turn(A, 1)) == await journal.record(A, turn(A, 1)) == 1
    assert await journal.after(A, 0) == []
    assert await journal.chats() == []
    assert not journal.durable
