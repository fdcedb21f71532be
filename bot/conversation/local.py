"""The local placement: one process, each chat's turns pushed into its actor's inbox.

`accept` never suspends (memory mode's FSM storage writes the state at once), which is what
keeps a chat's turns in Telegram's order. A restart forgets the inboxes; duplicates are noticed
by message id, which Telegram increases per chat.
"""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage
from loguru import logger

from bot.conversation.actor import ChatActor, TurnFeed
from bot.conversation.actors import ActorPool, PooledPlacement
from bot.conversation.placement import Accepted
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates, chat_context
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.core.turn import Turn


class _LocalFeed(TurnFeed):
    """Nothing outside the actor's own inbox: drained, the chat is idle; the actor waits
    `idle_timeout` for a turn, then stops."""

    def __init__(self, idle_timeout: float, fsm_storage: BaseStorage) -> None:
        self.idle_timeout = idle_timeout
        self._fsm = fsm_storage

    async def refill(self, actor: ChatActor) -> bool:
        # Memory's FSM storage writes at once: no `accept` can come between the look and this.
        await chat_context(self._fsm, actor.key).set_state(ConversationStates.idle)
        return True

    async def finished(self, key: ChatKey, turn: Turn) -> None:
        return None


class LocalPlacement(PooledPlacement):
    def __init__(self, pool: ActorPool, *, idle_timeout: float, fsm_storage: BaseStorage) -> None:
        super().__init__(pool)
        self._fsm = fsm_storage
        self._feed = _LocalFeed(idle_timeout, fsm_storage)
        # The newest message id accepted per chat with a live actor: a redelivery is older.
        self._newest: dict[ChatKey, int] = {}

    async def accept(self, key: ChatKey, turn: Turn) -> Accepted:
        if self._closing:
            return Accepted.CLOSING
        actor = self._pool.live(key)
        if actor is not None and turn.message_id <= self._newest.get(key, 0):
            return Accepted.DUPLICATE
        if actor is None:
            actor = self._pool.start(key, self._feed, on_stop=self._forget)
        if not actor.offer(turn):
            return Accepted.INBOX_FULL
        self._newest[key] = turn.message_id
        # Written before the actor can take the turn: this write does not suspend either.
        await chat_context(self._fsm, key).set_state(ConversationStates.awaiting_reply)
        return Accepted.QUEUED

    def _forget(self, actor: ChatActor) -> None:
        self._newest.pop(actor.key, None)

    async def interrupt(
        self, action: Action, key: ChatKey, message_id: int = 0, whose: Whose = EVERYONE
    ) -> Interrupted:
        stopped, dropped = self._pool.interrupt(action, key, message_id, whose)
        return Interrupted.of(stopped, dropped)

    async def start(self) -> None:
        logger.debug("local placement: nothing to recover")

    async def shutdown(self, timeout: float) -> list[Turn]:
        self._closing = True
        return await self._pool.stop_all(timeout)
