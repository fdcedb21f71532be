"""The chat actor: one task per chat that answers its turns one at a time, in order.

Where its turns come from is its placement's business (bot/conversation/placement.py): the
actor asks its `TurnFeed` for more when its inbox runs empty and tells it when a turn is over.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from loguru import logger

from bot.conversation.runner import TurnRunner
from bot.conversation.scope import CancelScope
from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Whose
from bot.core.outcomes import Ending
from bot.core.turn import Turn


class TurnFeed(ABC):
    """What an actor asks of its placement."""

    idle_timeout: float
    """Seconds an actor with an empty inbox waits for a turn before it stops."""

    @abstractmethod
    async def refill(self, actor: ChatActor) -> bool:
        """The inbox is empty and no turn runs: offer more turns, or say the actor should stop
        (False). With none left anywhere, the chat's state becomes idle here, in the same step
        that finds the chat's inbox empty. Asked once more when the actor is closing."""

    @abstractmethod
    async def finished(self, key: ChatKey, turn: Turn) -> None:
        """A reset cancelled the turn: it never reached its end, which crosses a turn off
        with the rest of its writes (bot/storage/base.py)."""


@dataclass(frozen=True, slots=True)
class _Queued:
    turn: Turn
    crowded: bool  # another turn was pending when this one arrived


class ChatActor:
    """Holds a chat's inbox, bounded by `inbox_size` counting the turn in progress.

    The chat's FSM state is not the actor's to write: its placement sets `awaiting_reply` when
    it queues a turn and `idle` when the actor, its inbox drained, asks the feed for more and
    there is none (docs/architecture.md, "FSM states and reactions").
    """

    def __init__(
        self,
        key: ChatKey,
        *,
        runner: TurnRunner,
        feed: TurnFeed,
        inbox_size: int,
        on_stop: Callable[[ChatActor], None],
        lease: str | None = None,
    ) -> None:
        self._key = key
        self._lease = lease
        self._runner = runner
        self._feed = feed
        self._inbox: asyncio.Queue[_Queued] = asyncio.Queue()
        self._inbox_size = inbox_size
        self._last_offered = 0
        self._skipped: set[int] = set()  # dropped by a /cancel before they were offered
        self._epoch = 0
        self._active: _Queued | None = None  # taken from the inbox, not yet finished
        self._current: CancelScope | None = None  # the turn in progress, for a reset
        self._stop = CancelScope()  # /cancel and the stop button: the turn's reading or answer
        self._closing = False
        self._handed_back = False  # queued turns left to the chat's next holder at shutdown
        self._stopped = False
        self._task = asyncio.create_task(self._run(), name=f"actor:{key.scope}")
        self._task.add_done_callback(lambda _: on_stop(self))

    @property
    def key(self) -> ChatKey:
        return self._key

    @property
    def lease(self) -> str | None:
        """The token of the chat's lease this actor answers under; None without leases."""
        return self._lease

    @property
    def task(self) -> asyncio.Task[None]:
        return self._task

    @property
    def pending(self) -> int:
        """Turns accepted and not yet answered, the one in progress included."""
        return self._inbox.qsize() + (self._active is not None)

    @property
    def last_offered(self) -> int:
        """The message id of the newest turn offered; a refill takes the ones after it."""
        return self._last_offered

    @property
    def alive(self) -> bool:
        """False from the moment the actor decided to stop: it takes no more turns."""
        return not self._stopped and not self._task.done()

    def offer(self, turn: Turn) -> bool:
        """Enqueue without suspending, so the caller's order is the inbox order."""
        if not self.alive:
            raise RuntimeError("offer to a stopped actor")
        pending = self.pending
        if pending >= self._inbox_size:
            return False
        self._inbox.put_nowait(_Queued(turn, crowded=pending > 0))
        self._last_offered = max(self._last_offered, turn.message_id)
        return True

    def skip_to(self, message_id: int) -> None:
        """Turns up to this message id were offered or dropped: never take them."""
        self._last_offered = max(self._last_offered, message_id)
        self._skipped = {m for m in self._skipped if m > self._last_offered}

    def skip(self, message_ids: Iterable[int]) -> None:
        """These turns were dropped before they were offered: never take them. Others' turns
        may wait between them (a group member's /cancel), so this is not `skip_to`."""
        self._skipped.update(m for m in message_ids if m > self._last_offered)

    def skipped(self, message_id: int) -> bool:
        return message_id <= self._last_offered or message_id in self._skipped

    def is_current(self, epoch: int) -> bool:
        return epoch == self._epoch

    def others_waiting(self) -> bool:
        return not self._inbox.empty()

    def reset(self) -> list[Turn]:
        """Stop the turn in progress for good and drop the queued ones; returns the dropped."""
        self._epoch += 1
        dropped = self._drop_queued()
        if self._current is not None:
            self._current.cancel()
        return dropped

    def cancel(self, whose: Whose = EVERYONE) -> tuple[bool, list[Turn]]:
        """/cancel: stop the turn in progress (the dialog stays), drop the queued ones; of
        those, only the ones `whose` covers."""
        dropped = self._drop_queued(whose)
        active = self._active
        stopping = active is not None and whose.covers(active.turn) and self._stop.cancel()
        return stopping, dropped

    def stop_turn(self, message_id: int) -> bool:
        """The draft's stop button: stop the answer to that message if it is still being made."""
        active = self._active
        if active is None or active.turn.message_id != message_id:
            return False
        return self._stop.cancel()

    def close(self, *, hand_back: bool = False) -> list[Turn]:
        """Finish what is queued, then stop; an idle actor stops at once.

        With `hand_back` (the turns wait in a durable inbox for the chat's next holder), only
        the turn in progress is finished: the queued ones are dropped unstarted, and returned.
        """
        self._closing = True
        dropped = self._drop_queued() if hand_back else []
        self._handed_back = bool(dropped)
        if self._active is None and self._inbox.empty():
            self._stopped = True
            self._task.cancel()
        return dropped

    def abandon(self) -> list[Turn]:
        """Cancel everything now (a deadline passed); returns the unanswered turns."""
        self._stopped = True
        dropped = self._drop_queued()
        if self._active is not None:
            dropped.insert(0, self._active.turn)
        self._task.cancel()
        return dropped

    def _drop_queued(self, whose: Whose = EVERYONE) -> list[Turn]:
        """Without suspending; the turns `whose` does not cover stay, in their order."""
        dropped: list[_Queued] = []
        kept: list[_Queued] = []
        while not self._inbox.empty():
            queued = self._inbox.get_nowait()
            (dropped if whose.covers(queued.turn) else kept).append(queued)
        for queued in kept:
            self._inbox.put_nowait(queued)
        return [queued.turn for queued in dropped]

    async def _run(self) -> None:
        try:
            while (queued := await self._next()) is not None:
                self._active = queued
                self._stop = CancelScope()
                try:
                    if not await self._take(queued, self._epoch):
                        self._stopped = True  # before the drop: nothing may be offered now
                        self._drop_queued()  # the new holder reads them from the inbox
                        return
                finally:
                    self._active = None
                if self._handed_back and self._inbox.empty():  # left for the next holder
                    return
        finally:
            # Synchronously, before any other task runs: no turn may be offered to us now.
            self._stopped = True

    async def _next(self) -> _Queued | None:
        """The next turn, or None when the actor should stop (idle, or the feed says so)."""
        while True:
            if self._inbox.empty() and not await self._feed.refill(self):
                return None
            if not self._inbox.empty():  # no idle timer to arm (and cancel) for a waiting turn
                return self._inbox.get_nowait()
            if self._closing:  # drained, and the feed had its last look
                return None
            try:
                async with asyncio.timeout(self._feed.idle_timeout):
                    return await self._inbox.get()
            except TimeoutError:
                if self._inbox.empty():
                    logger.debug("chat={} actor idle, stopping", self._key.chat_id)
                    return None

    async def _take(self, queued: _Queued, epoch: int) -> bool:
        """The turn runs in this task, in a scope a reset cancels (scope.py says why).

        False when the chat's lease was lost (another replica answers the chat now), or the
        turn's end could not be written: the storage is down, and the chat's turns wait in
        its durable inbox for the holder that takes the chat up once the storage is back."""
        self._current = scope = CancelScope()
        outcome = None
        try:
            with scope:
                outcome = await self._runner.run(
                    queued.turn, self, epoch=epoch, crowded=queued.crowded, stop=self._stop
                )
        finally:
            self._current = None
        if outcome is not None and outcome.ending in (Ending.LEASE_LOST, Ending.KEPT):
            return False
        if scope.cancelled_caught:
            logger.info(
                "chat={} turn msg={} cancelled by a reset",
                self._key.chat_id,
                queued.turn.message_id,
            )
            await self._feed.finished(self._key, queued.turn)
        return True
