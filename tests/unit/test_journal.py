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
    assert await journal.record(A, turn(A, 7))
    assert not await journal.record(A, turn(A, 7))  # Telegram delivered it again
    assert not await journal.record(A, turn(A, 6))  # older than what was taken
    assert await journal.record(B, turn(B, 7))  # other chats are their own


async def test_pending_keeps_each_chats_order_and_every_field(journal: RedisJournal) -> None:
    for n in (3, 4, 9):
        await journal.record(A, turn(A, n, f"a{n}"))
    await journal.record(B, turn(B, 1, "b1"))
    await journal.done(A, [turn(A, 4)])
    pending = await journal.pending()
    assert [t.text for k, t in pending if k == A] == ["a3", "a9"]
    assert [(k, t) for k, t in pending if k == B] == [(B, turn(B, 1, "b1"))]


async def test_done_is_final_even_for_a_redelivery(journal: RedisJournal) -> None:
    await journal.record(A, turn(A, 5))
    await journal.done(A, [turn(A, 5)])
    assert await journal.pending() == []
    assert not await journal.record(A, turn(A, 5))


async def test_memory_mode_writes_nothing_down() -> None:
    journal = MemoryJournal()
    assert await journal.record(A, turn(A, 1)) and await journal.record(A, turn(A, 1))
    assert await journal.pending() == []
    assert not journal.durable
