"""Memory mode's TurnStorage: the ports it spans, one after the other, with nothing to wait on.

In one process nothing can fall between the writes, and there is no durable inbox to cross
a turn off: the actor's own queue has let it go already.
"""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage

from bot.core.chat import ChatKey
from bot.core.fsm import chat_context
from bot.core.turn import Turn
from bot.storage.base import Conclusion, Loaded, TurnStorage
from bot.storage.memory.dialog import MemoryDialogStore
from bot.storage.memory.usage import MemoryUsage


class MemoryTurnStorage(TurnStorage):
    def __init__(self, dialogs: MemoryDialogStore, fsm: BaseStorage, usage: MemoryUsage) -> None:
        self._dialogs = dialogs
        self._fsm = fsm
        self._usage = usage

    async def load(self, key: ChatKey, turn: Turn) -> Loaded:
        """No start is counted: a process that dies takes its turns with it."""
        data = await chat_context(self._fsm, key).get_data()
        return Loaded(data, await self._dialogs.load(key))

    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        commit = conclusion.commit
        if commit is not None:
            await self._dialogs.replace_last(
                key, commit.replaced, commit.messages, opens=commit.opens
            )
        turn = conclusion.turn
        await self._usage.count_turn(
            turn.user_id, conclusion.tokens, conclusion.reserved, failed=conclusion.failed
        )
