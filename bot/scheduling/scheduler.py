"""The one queue in front of the model: turns wait while the budget is spent, and go in
turn, round robin over chats, so one chatty user cannot starve the others.

A turn that fits the budget and finds nobody waiting goes at once, with no await on the
way. Otherwise it joins its chat's queue; a pump per model releases the head of the next
chat's queue whenever the budget (as the service's headers last said, shared through the
budget store) has room. Round robin is per replica; the budget is shared by all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from loguru import logger

from bot.core.chat import ChatKey
from bot.core.errors import ModelError, ModelErrorKind, StorageUnavailable
from bot.scheduling.budget import LimitReading, ModelBudget
from bot.storage.base import BudgetStore

PROBE_SECONDS = 5.0
# The lane's `released` counts when the running call was let go: its response's figures
# then leave out what went after it (set in `admit`, read in `observe`, same task).
_RELEASED_AT: ContextVar[tuple[str, tuple[int, int], int] | None] = ContextVar(
    "released_at", default=None
)


@dataclass(slots=True)
class _Waiter:
    tokens: int
    granted: asyncio.Future[tuple[int, int]]  # the lane's `released` once it went


@dataclass(slots=True)
class _Lane:
    """One model's budget and the chats waiting for it, in round-robin order."""

    budget: ModelBudget = field(default_factory=ModelBudget)
    queues: dict[ChatKey | None, deque[_Waiter]] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    pump: asyncio.Task[None] | None = None
    synced_at: float = float("-inf")
    released: tuple[int, int] = (0, 0)  # requests and tokens let go so far
    probing: bool = False  # the first call is out, the budget still unknown
    probed: bool = False  # it came back: whatever the headers said (maybe nothing) stands

    def delay(self, tokens: int, now: float) -> float:
        """The budget's wait. While nothing is known yet one probe call goes first and the
        others wait for it to come back, rather than a cold burst of 429s; a service that
        sends no rate-limit headers at all is then not held back."""
        if not self.budget.known and not self.probed:
            return PROBE_SECONDS if self.probing else 0.0
        return self.budget.wait_for(tokens, now)

    def take(self, tokens: int, now: float) -> tuple[int, int]:
        if not self.budget.known and not self.probed:
            self.probing = True
        self.budget.consume(tokens, now)
        self.budget.in_flight_requests += 1
        self.budget.in_flight_tokens += tokens
        self.released = (self.released[0] + 1, self.released[1] + tokens)
        return self.released


class Scheduler:
    def __init__(
        self,
        store: BudgetStore,
        *,
        clock: Callable[[], float] = time.time,
        sync_every: float = 1.0,
        on_wait: Callable[[float], None] = lambda _: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sync_every = sync_every
        self._on_wait = on_wait
        self._lanes: dict[str, _Lane] = {}
        self._saving: set[asyncio.Task[None]] = set()
        self._dirty: set[str] = set()

    def waiting(self, model: str) -> int:
        lane = self._lanes.get(model)
        return sum(len(q) for q in lane.queues.values()) if lane else 0

    def free_now(self, model: str, tokens: int) -> bool:
        """Whether a call would go at once: nobody waiting, and room in the budget."""
        lane = self._lane(model)
        return not lane.queues and lane.delay(tokens, self._clock()) <= 0

    async def admit(self, model: str, chat: ChatKey | None, tokens: int, deadline: float) -> None:
        """Return once the call may go; ModelError(RATE_LIMITED) at `deadline` (loop time)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        lane = self._lane(model)
        await self._sync(model, lane)
        now = self._clock()
        if not lane.queues and lane.delay(tokens, now) <= 0:
            _RELEASED_AT.set((model, lane.take(tokens, now), tokens))
            self._on_wait(0.0)
            return
        waiter = _Waiter(tokens, loop.create_future())
        lane.queues.setdefault(chat, deque()).append(waiter)
        if lane.pump is None or lane.pump.done():
            lane.pump = asyncio.create_task(self._pump(model, lane))
        try:
            await asyncio.wait({waiter.granted}, timeout=max(deadline - loop.time(), 0.0))
        finally:
            if not waiter.granted.done():
                waiter.granted.cancel()
                self._forget(lane, chat, waiter)
        self._on_wait(loop.time() - started)
        if waiter.granted.cancelled():
            raise ModelError(ModelErrorKind.RATE_LIMITED, f"waited {loop.time() - started:.1f}s")
        _RELEASED_AT.set((model, waiter.granted.result(), tokens))

    def finished(self) -> None:
        """The running call came back (answered or not): it is no longer in flight, and an
        unknown budget's probe is over. Once per call: later calls of it do nothing."""
        mark = _RELEASED_AT.get()
        if mark is None:
            return
        _RELEASED_AT.set(None)
        model, _, tokens = mark
        lane = self._lane(model)
        lane.budget.in_flight_requests = max(lane.budget.in_flight_requests - 1, 0)
        lane.budget.in_flight_tokens = max(lane.budget.in_flight_tokens - tokens, 0)
        if lane.probing and not lane.probed:
            lane.probed = True
            lane.wake.set()

    def observe(self, model: str, reading: LimitReading) -> None:
        """A response's rate-limit headers: the budget as the service sees it now."""
        if reading.empty:
            return
        lane = self._lane(model)
        mark = _RELEASED_AT.get()
        # What the service may not have counted when it answered: every other call still
        # in flight (under load they reach it in any order), and at least those let go
        # after this one.
        budget = lane.budget
        since = (budget.in_flight_requests, budget.in_flight_tokens)
        if mark is not None and mark[0] == model:
            after = (lane.released[0] - mark[1][0], lane.released[1] - mark[1][1])
            others = (budget.in_flight_requests - 1, budget.in_flight_tokens - mark[2])
            since = (max(after[0], others[0]), max(after[1], others[1]))
        budget.observe(reading, self._clock(), since)
        lane.wake.set()
        if model in self._dirty:  # a save under way writes the newest figures anyway
            return
        self._dirty.add(model)
        task = asyncio.create_task(self._save(model, lane.budget))
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def aclose(self) -> None:
        for lane in self._lanes.values():
            if lane.pump is not None:
                lane.pump.cancel()
        pumps = [lane.pump for lane in self._lanes.values() if lane.pump is not None]
        await asyncio.gather(*pumps, *self._saving, return_exceptions=True)

    def _lane(self, model: str) -> _Lane:
        lane = self._lanes.get(model)
        if lane is None:
            lane = self._lanes[model] = _Lane()
        return lane

    def _forget(self, lane: _Lane, chat: ChatKey | None, waiter: _Waiter) -> None:
        queue = lane.queues.get(chat)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del lane.queues[chat]
        lane.wake.set()

    async def _pump(self, model: str, lane: _Lane) -> None:
        """Release waiters, one chat after the other, as the budget allows."""
        while lane.queues:
            await self._sync(model, lane)
            chat, queue = next(iter(lane.queues.items()))
            head, now = queue[0], self._clock()
            delay = lane.delay(head.tokens, now)
            if delay > 0:
                lane.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lane.wake.wait(), min(delay, self._sync_every))
                continue
            queue.popleft()
            del lane.queues[chat]
            if queue:  # the chat's next turn waits behind every other chat's
                lane.queues[chat] = queue
            if not head.granted.done():
                head.granted.set_result(lane.take(head.tokens, now))

    async def _sync(self, model: str, lane: _Lane) -> None:
        """Other replicas' figures, at most once every `sync_every` seconds."""
        now = self._clock()
        if now - lane.synced_at < self._sync_every:
            return
        lane.synced_at = now
        try:
            shared = await self._store.load(model)
        except StorageUnavailable as error:
            logger.warning("model={} budget not read: {}", model, error)
            return
        if shared is not None:
            lane.budget.merge(ModelBudget.decode(shared), self._clock())

    async def _save(self, model: str, budget: ModelBudget) -> None:
        self._dirty.discard(model)
        try:
            await self._store.save(model, budget.encode())
        except StorageUnavailable as error:
            logger.warning("model={} budget not shared: {}", model, error)
