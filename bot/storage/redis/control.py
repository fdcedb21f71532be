"""Control across replicas: /cancel, resets and the stop button reach the chat's lease holder.

A command may arrive at a replica other than the one generating the chat's reply. It is then
published on one Redis channel, addressed to the holder's replica id; the holder acts on its
actor and answers on a short-lived list the asker waits on (BLPOP), so the user's reply says
what really happened, and a reset clears the history only after the old turn has stopped.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.core.chat import ChatKey
from bot.core.errors import StorageUnavailable
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.storage.inbox import ControlChannel, ControlHandler
from bot.storage.redis.client import raise_if_cancelling, unavailable_on_error
from bot.storage.redis.keys import RedisKeys


@dataclass(frozen=True, slots=True)
class _Request:
    replica: str
    action: Action
    scope: str  # the chat, as ChatKey.scope
    message_id: int
    answer_to: str
    # Whose turns a /cancel reaches (bot/core/interrupts.py); absent: everyone's. Written only
    # when set, so a replica of the release before, which knows no such field, still reads
    # every other request; a narrowed one it cannot read goes unanswered, and the asker falls
    # back as for a dead holder (bot/conversation/leased.py), never cancelling more.
    author: int | None = None
    before: int | None = None

    def encode(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})


class RedisControl(ControlChannel):
    """One channel per bot; each replica listens and acts on requests addressed to it."""

    def __init__(self, redis: Redis, keys: RedisKeys, *, replica: str, wait: float = 2.0) -> None:
        self._redis = redis
        self._keys = keys
        self._replica = replica
        self._wait = wait

    async def ask(
        self,
        replica: str,
        action: Action,
        key: ChatKey,
        message_id: int,
        whose: Whose = EVERYONE,
    ) -> Interrupted | None:
        """What `replica` did, or None when it did not answer in time (it may have died)."""
        answer_to = self._keys.control_answer(uuid.uuid4().hex)
        request = _Request(
            replica, action, key.scope, message_id, answer_to, whose.author, whose.before
        )
        with unavailable_on_error():
            if await self._redis.publish(self._keys.control, request.encode()):
                answer = await self._redis.blpop([answer_to], timeout=self._wait)
                if answer is not None:
                    fields = json.loads(answer[1])
                    fields["acknowledged"] = tuple(fields.get("acknowledged", ()))
                    return Interrupted(**fields)
        logger.warning("chat={} {}: replica {} did not answer", key.chat_id, action, replica)
        return None

    async def serve(self, handler: ControlHandler) -> None:
        """Act on the requests addressed to this replica until cancelled; survives outages."""
        lost = False
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    with unavailable_on_error():
                        await pubsub.subscribe(self._keys.control)
                    lost = False
                    async for message in pubsub.listen():
                        try:
                            await self._handle(message["data"], handler)
                        except (RedisError, StorageUnavailable):
                            raise
                        except Exception:  # one bad request must not deafen the replica
                            logger.exception("control request not handled")
            except (RedisError, StorageUnavailable) as error:
                raise_if_cancelling(error)  # a retry would swallow the cancel: no shutdown
                if not lost:  # once per outage, not once per attempt
                    logger.warning("control channel lost: {}; listening again", error)
                lost = True
                await asyncio.sleep(1)

    async def _handle(self, data: bytes, handler: ControlHandler) -> None:
        request = _Request(**json.loads(data))
        if request.replica != self._replica:
            return
        key = ChatKey.from_scope(self._keys.bot_id, request.scope)
        whose = Whose(request.author, request.before)
        outcome = await handler(Action(request.action), key, request.message_id, whose)
        # the guard gives back a cancel the pipeline's write may lose (client.py): lost here,
        # the listener would go back to listening, and the replica's shutdown never end
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(request.answer_to, json.dumps(asdict(outcome)))
                pipe.expire(request.answer_to, 60)
                await pipe.execute()
