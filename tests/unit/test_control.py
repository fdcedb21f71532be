"""The control channel: a request reaches the replica it names, and only that one answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.storage.inbox import ControlHandler as Handler
from bot.storage.redis import RedisBackend
from bot.storage.redis.control import RedisControl
from bot.storage.redis.keys import RedisKeys

KEY = ChatKey(bot_id=1, chat_id=42, thread_id=5)


async def test_the_named_replica_acts_and_its_outcome_comes_back(
    redis_backend: RedisBackend,
) -> None:
    seen: dict[str, list[tuple[Action, ChatKey, int, Whose]]] = {"a": [], "b": []}

    def handler(name: str, outcome: Interrupted) -> Handler:
        async def handle(
            action: Action, key: ChatKey, message_id: int, whose: Whose
        ) -> Interrupted:
            seen[name].append((action, key, message_id, whose))
            return outcome

        return handle

    redis, keys = redis_backend.redis, redis_backend.keys
    a = RedisControl(redis, keys, replica="a")
    b = RedisControl(redis, keys, replica="b")
    listeners = [
        asyncio.create_task(a.serve(handler("a", Interrupted(stopped=True, dropped=2)))),
        asyncio.create_task(b.serve(handler("b", Interrupted(stopped=False, dropped=9)))),
    ]
    try:
        await asyncio.sleep(0.2)  # both subscribed
        assert await b.ask("a", Action.STOP, KEY, 7) == Interrupted(stopped=True, dropped=2)
        assert seen == {"a": [(Action.STOP, KEY, 7, EVERYONE)], "b": []}
        # a group member's /cancel, and an admin's, say whose turns it reaches
        for whose in (Whose(author=501), Whose(before=90)):
            await b.ask("a", Action.CANCEL, KEY, 0, whose)
            assert seen["a"][-1] == (Action.CANCEL, KEY, 0, whose)
    finally:
        for task in listeners:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_request_from_the_release_before_reaches_everyones_turns(
    redis_backend: RedisBackend,
) -> None:
    """During a rolling deploy the asker may be a replica that knows no `author`/`before`."""
    seen: list[Whose] = []

    async def handle(action: Action, key: ChatKey, message_id: int, whose: Whose) -> Interrupted:
        seen.append(whose)
        return Interrupted(stopped=True, dropped=0)

    redis, keys = redis_backend.redis, redis_backend.keys
    listener = asyncio.create_task(RedisControl(redis, keys, replica="a").serve(handle))
    try:
        await asyncio.sleep(0.2)
        old = {"replica": "a", "action": "cancel", "scope": KEY.scope, "message_id": 0}
        answer_to = keys.control_answer("from-the-release-before")
        await redis.publish(keys.control, json.dumps({**old, "answer_to": answer_to}))
        assert await redis.blpop([answer_to], timeout=5) is not None
        assert seen == [EVERYONE]
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def test_a_replica_that_does_not_answer_is_told_apart(redis_backend: RedisBackend) -> None:
    control = RedisControl(redis_backend.redis, redis_backend.keys, replica="a", wait=0.2)
    assert await control.ask("gone", Action.CANCEL, KEY, 0) is None


class _PubSubThatTurnsCancelIntoConnectionError:
    """What redis-py's pubsub can do when its task is cancelled mid-read (seen under uvloop)."""

    async def __aenter__(self) -> _PubSubThatTurnsCancelIntoConnectionError:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def subscribe(self, *channels: str) -> None:
        return None

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None
        yield {}  # pragma: no cover


class _Redis:
    def pubsub(self, **options: object) -> _PubSubThatTurnsCancelIntoConnectionError:
        return _PubSubThatTurnsCancelIntoConnectionError()


async def test_a_cancel_redis_turns_into_a_connection_error_still_stops_the_listener() -> None:
    async def handle(action: Action, key: ChatKey, message_id: int, whose: Whose) -> Interrupted:
        raise AssertionError("no request was sent")

    control = RedisControl(cast(Redis, _Redis()), RedisKeys("test", bot_id=1), replica="a")
    listener = asyncio.create_task(control.serve(handle))
    await asyncio.sleep(0.05)
    listener.cancel()
    await asyncio.wait({listener}, timeout=3)  # not wait_for: its own cancel would be swallowed
    assert listener.cancelled(), "the listener went on listening after its cancel"


class _PipelineThatLosesACancel:
    """A transaction whose write returns normally when the cancel lands in it, as redis-py's
    `socket_timeout` write under `asyncio.wait_for` can on Python 3.11."""

    def __init__(self, writing: asyncio.Event) -> None:
        self._writing = writing

    async def __aenter__(self) -> _PipelineThatLosesACancel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def rpush(self, *args: object) -> None:
        return None

    def expire(self, *args: object) -> None:
        return None

    async def execute(self) -> list[object]:
        self._writing.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
        return [1, True]


class _PubSubWithOneRequest(_PubSubThatTurnsCancelIntoConnectionError):
    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        request = {"replica": "a", "action": "stop", "scope": KEY.scope, "message_id": 7}
        yield {"data": json.dumps({**request, "answer_to": "answer"}).encode()}
        await asyncio.Event().wait()


class _RedisThatLosesACancelWhileAnswering(_Redis):
    def __init__(self) -> None:
        self.writing = asyncio.Event()

    def pubsub(self, **options: object) -> _PubSubWithOneRequest:
        return _PubSubWithOneRequest()

    def pipeline(self, **options: object) -> _PipelineThatLosesACancel:
        return _PipelineThatLosesACancel(self.writing)


async def test_a_cancel_lost_while_answering_a_request_still_stops_the_listener() -> None:
    """Lost there, the listener went back to listening: a replica's shutdown never ended."""

    async def handle(action: Action, key: ChatKey, message_id: int, whose: Whose) -> Interrupted:
        return Interrupted(stopped=True, dropped=0)

    redis = _RedisThatLosesACancelWhileAnswering()
    control = RedisControl(cast(Redis, redis), RedisKeys("test", bot_id=1), replica="a")
    listener = asyncio.create_task(control.serve(handle))
    await asyncio.wait_for(redis.writing.wait(), timeout=3)
    listener.cancel()
    await asyncio.wait({listener}, timeout=3)
    assert listener.cancelled(), "the listener went on listening after its cancel"
