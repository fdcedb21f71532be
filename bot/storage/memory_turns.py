"""Memory mode's TurnStorage: the ports it spans, one after the other, with nothing to wait on.

In one process nothing can fall between the writes, and there is no durable inbox to cross
a turn off: the actor's own queue has let it go already.
"""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage

from bot.chat_settings.model import ChatSettingsStore
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates, chat_context
from bot.dialog.store import DialogStore
from bot.scheduling.usage import UsageStore
from bot.storage.turns import Conclusion, Loaded, TurnStorage


class MemoryTurnStorage(TurnStorage):
    def __init__(self, dialogs: DialogStore, fsm: BaseStorage, usage: UsageStore) -> None:
        self._dialogs = dialogs
        self._fsm = fsm
        self._settings = ChatSettingsStore(fsm)
        self._usage = usage

    async def load(self, key: ChatKey) -> Loaded:
        return Loaded(await self._settings.load(key), await self._dialogs.load(key))

    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        commit = conclusion.commit
        if commit is not None:
            await self._dialogs.replace_last(key, commit.replaced, commit.messages)
        turn = conclusion.turn
        await self._usage.count_turn(turn.user_id, conclusion.tokens, failed=conclusion.failed)
        if conclusion.idle:
            await chat_context(self._fsm, key).set_state(ConversationStates.idle)
