"""The actors of this process, shared by both placements: start, find, interrupt, stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from loguru import logger

from bot.conversation.actor import ChatActor, TurnFeed
from bot.conversation.placement import Placement
from bot.conversation.runner import TurnRunner
from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Action, Whose
from bot.core.turn import Turn


class ActorPool:
    def __init__(self, *, runner: TurnRunner, inbox_size: int) -> None:
        self._runner = runner
        self.inbox_size = inbox_size
        self._actors: dict[ChatKey, ChatActor] = {}

    def __len__(self) -> int:
        return len(self._actors)

    def live(self, key: ChatKey) -> ChatActor | None:
        actor = self._actors.get(key)
        return actor if actor is not None and actor.alive else None

    def pending(self, key: ChatKey) -> int:
        actor = self._actors.get(key)
        return actor.pending if actor is not None else 0

    def start(
        self,
        key: ChatKey,
        feed: TurnFeed,
        on_stop: Callable[[ChatActor], None] | None = None,
        *,
        lease: str | None = None,
    ) -> ChatActor:
        def forget(actor: ChatActor) -> None:
            if self._actors.get(actor.key) is actor:
                del self._actors[actor.key]
                if on_stop is not None:
                    on_stop(actor)

        actor = ChatActor(
            key,
            runner=self._runner,
            feed=feed,
            inbox_size=self.inbox_size,
            on_stop=forget,
            lease=lease,
        )
        self._actors[key] = actor
        return actor

    def interrupt(
        self, action: Action, key: ChatKey, message_id: int, whose: Whose = EVERYONE
    ) -> tuple[bool, list[Turn]]:
        """On this process's actor of the chat, if any: (a reply stopped, the turns dropped).
        `whose` narrows a /cancel; a reset reaches every turn."""
        actor = self._actors.get(key)
        if actor is None:
            return False, []
        if action is Action.STOP:
            return actor.stop_turn(message_id), []
        if action is Action.RESET:
            return False, actor.reset()
        return actor.cancel(whose)

    async def stop_all(self, timeout: float, *, hand_back: bool = False) -> list[Turn]:
        """Let every actor finish its queue within `timeout` (with `hand_back`, only the turn
        in progress: the queued ones are left unstarted); the turns left unanswered."""
        actors = list(self._actors.values())
        unanswered = [turn for actor in actors for turn in actor.close(hand_back=hand_back)]
        tasks = [actor.task for actor in actors]
        if not tasks:
            return unanswered
        logger.info("shutdown: waiting up to {}s for {} conversations", timeout, len(tasks))
        _, late = await asyncio.wait(tasks, timeout=timeout)
        unanswered += [turn for actor in actors if actor.task in late for turn in actor.abandon()]
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        return unanswered


class PooledPlacement(Placement):
    """What both placements share: this process's actors, and refusing turns once closing."""

    def __init__(self, pool: ActorPool) -> None:
        self._pool = pool
        self.inbox_size = pool.inbox_size
        self._closing = False

    def __len__(self) -> int:
        return len(self._pool)

    def pending(self, key: ChatKey) -> int:
        return self._pool.pending(key)
