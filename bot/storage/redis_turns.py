"""The Redis TurnStorage: a turn's load in one pipeline, its conclusion in one transaction.

The load reads the chat's settings (aiogram's FSM data, through its storage's own key builder
and JSON) and its history; the conclusion commits the pair, counts the day's tokens, sets the
chat's state to idle and crosses the turn off its durable inbox
(bot/conversation/leased/journal.py) in one MULTI: a crash or a lost connection cannot fall
between them, so a committed turn is not answered again after a restart.
The commands are the adapters' own (RedisDialogStore, RedisUsage), queued on one pipeline.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.chat_settings.model import ChatSettings
from bot.conversation.leased.journal import entry_id
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates
from bot.dialog.redis import RedisDialogStore
from bot.scheduling.redis_usage import RedisUsage
from bot.storage.redis_errors import unavailable_on_error
from bot.storage.redis_keys import RedisKeys
from bot.storage.turns import Conclusion, Loaded, TurnStorage

IDLE = cast(str, ConversationStates.idle.state)  # "ConversationStates:idle", as aiogram writes it


class RedisTurnStorage(TurnStorage):
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        *,
        dialogs: RedisDialogStore,
        usage: RedisUsage,
        fsm: RedisStorage,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._dialogs = dialogs
        self._usage = usage
        self._fsm = fsm

    async def load(self, key: ChatKey) -> Loaded:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(self._keys.chat_fsm(key, "data"))
                self._dialogs.queue_load(pipe, key)
                data, history = await pipe.execute()
        settings = ChatSettings.from_data(self._fsm_data(data))
        return Loaded(settings, self._dialogs.decode(key, history))

    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        turn, commit = conclusion.turn, conclusion.commit
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                if commit is not None:
                    self._dialogs.queue_replace_last(pipe, key, commit.replaced, commit.messages)
                self._usage.queue_count_turn(
                    pipe, turn.user_id, conclusion.tokens, failed=conclusion.failed
                )
                if conclusion.idle:  # as aiogram's RedisStorage.set_state writes it
                    pipe.set(self._keys.chat_fsm(key, "state"), IDLE, ex=self._fsm.state_ttl)
                pipe.xdel(self._keys.inbox(key), entry_id(turn))
                await pipe.execute()

    def _fsm_data(self, value: bytes | str | None) -> dict[str, Any]:
        """As aiogram's RedisStorage.get_data reads the value."""
        if value is None:
            return {}
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        return cast(dict[str, Any], self._fsm.json_loads(text))
