"""The control channel: a request reaches the replica it names, and only that one answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.conversation.control import Action, ChatControl, Handler, Outcome
from bot.dialog.redis import RedisDialogStore
from bot.dialog.store import DialogKey

KEY = DialogKey(bot_id=1, chat_id=42)


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisDialogStore]:
    store = RedisDialogStore.connect(redis_url, max_messages=10, ttl_seconds=60)
    yield store
    await store.aclose()


async def test_the_named_replica_acts_and_its_outcome_comes_back(store: RedisDialogStore) -> None:
    seen: dict[str, list[tuple[Action, DialogKey, int]]] = {"a": [], "b": []}

    def handler(name: str, outcome: Outcome) -> Handler:
        async def handle(action: Action, key: DialogKey, message_id: int) -> Outcome:
            seen[name].append((action, key, message_id))
            return outcome

        return handle

    a = ChatControl(store.redis, prefix="t", bot_id=1, replica="a")
    b = ChatControl(store.redis, prefix="t", bot_id=1, replica="b")
    listeners = [
        asyncio.create_task(a.serve(handler("a", Outcome(stopped=True, dropped=2)))),
        asyncio.create_task(b.serve(handler("b", Outcome(stopped=False, dropped=9)))),
    ]
    try:
        await asyncio.sleep(0.2)  # both subscribed
        assert await b.ask("a", Action.STOP, KEY, 7) == Outcome(stopped=True, dropped=2)
        assert seen == {"a": [(Action.STOP, KEY, 7)], "b": []}
    finally:
        for task in listeners:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_replica_that_does_not_answer_is_told_apart(store: RedisDialogStore) -> None:
    control = ChatControl(store.redis, prefix="t", bot_id=1, replica="a", wait=0.2)
    assert await control.ask("gone", Action.CANCEL, KEY, 0) is None
