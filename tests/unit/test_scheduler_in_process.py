"""The one queue in front of Groq, on a clock the test turns: what fits goes at once, what
waits is released round robin over chats, and a 429's retry-after holds every call.

The scheduler's budget runs on the injected clock; its pump only polls, every `sync_every`
seconds of loop time, so a test moves the clock and waits for the releases it allows. No
assertion is about how long anything took."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from bot.core.chat import ChatKey
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply, Usage
from bot.scheduling.budget import LimitReading, read_limits
from bot.scheduling.scheduled import Allowance, ScheduledModel
from bot.scheduling.scheduler import Scheduler
from bot.storage.base import BudgetStore, StorageOptions
from bot.storage.memory import MemoryBackend

MODEL = "openai/gpt-oss-20b"
ALICE, BOB = ChatKey(42, 1), ChatKey(42, 2)
START = 1_800_000_000.0  # wall-clock seconds, as the budget's times are
SPENT = LimitReading(remaining_requests=0, reset_requests=10.0, limit_requests=1)


class Clock:
    """The scheduler's clock; counts its reads, so a test knows the pump has looked."""

    def __init__(self) -> None:
        self.now = START
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    async def looked_at(self, times: int = 3) -> None:
        """Return once the clock was read `times` more times (the pump saw the new time)."""
        seen = self.reads
        await until(lambda: self.reads >= seen + times)


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the scheduler's tasks until `condition` holds; a guard, not a measure."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.001)

    await asyncio.wait_for(poll(), timeout=5)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> BudgetStore:
    return MemoryBackend(StorageOptions(bot_id=42, max_messages=10, ttl_seconds=60)).budget_store()


@pytest.fixture
async def scheduler(store: BudgetStore, clock: Clock) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(store, clock=clock, sync_every=0.01)
    yield scheduler
    await scheduler.aclose()


def now() -> float:
    return asyncio.get_running_loop().time()


async def test_what_fits_the_budget_goes_at_once_and_no_more(scheduler: Scheduler) -> None:
    """With no patience at all (deadline: now) the five calls the budget holds go; the
    sixth is refused rather than sent to a 429."""
    scheduler.observe(MODEL, LimitReading(remaining_requests=5, reset_requests=60.0))
    for _ in range(5):
        await scheduler.admit(MODEL, ALICE, tokens=100, deadline=now())
    assert scheduler.waiting(MODEL) == 0
    assert not scheduler.free_now(MODEL, 100)
    with pytest.raises(ModelError) as refused:
        await scheduler.admit(MODEL, ALICE, tokens=100, deadline=now())
    assert refused.value.kind is ModelErrorKind.RATE_LIMITED
    assert scheduler.waiting(MODEL) == 0  # the refused call left the queue


async def queue_up(
    scheduler: Scheduler, order: list[str], chat: ChatKey, tag: str
) -> asyncio.Task[None]:
    """One call that waits its turn, then notes it went and comes back at once."""

    async def call() -> None:
        await scheduler.admit(MODEL, chat, tokens=100, deadline=now() + 60)
        order.append(tag)
        scheduler.finished()

    waiting = scheduler.waiting(MODEL)
    task = asyncio.get_running_loop().create_task(call())
    await until(lambda: scheduler.waiting(MODEL) == waiting + 1)
    return task


async def release(clock: Clock, order: list[str], seconds: float) -> None:
    """Move the clock on (the budget refills one request a second) and wait for one call."""
    gone = len(order)
    clock.now += seconds
    await until(lambda: len(order) == gone + 1)


async def test_waiting_calls_go_round_robin_over_chats(scheduler: Scheduler, clock: Clock) -> None:
    """Alice asked three times before Bob asked at all; they still take turns."""
    scheduler.observe(MODEL, SPENT)
    order: list[str] = []
    calls = [await queue_up(scheduler, order, ALICE, tag) for tag in ["a1", "a2", "a3"]]
    calls += [await queue_up(scheduler, order, BOB, tag) for tag in ["b1", "b2", "b3"]]
    await release(clock, order, 10.0)  # SPENT's reset
    for _ in range(5):
        await release(clock, order, 1.0)
    await asyncio.gather(*calls)
    assert order == ["a1", "b1", "a2", "b2", "a3", "b3"]
    assert scheduler.waiting(MODEL) == 0


async def test_a_chat_with_a_backlog_cannot_starve_a_newcomer(
    scheduler: Scheduler, clock: Clock
) -> None:
    """Bob's one call, made while three of Alice's still wait, goes behind one of them
    (the round robin's turn already under way), not behind all of them."""
    scheduler.observe(MODEL, SPENT)
    order: list[str] = []
    calls = [await queue_up(scheduler, order, ALICE, tag) for tag in ["a1", "a2", "a3", "a4"]]
    await release(clock, order, 10.0)
    calls.append(await queue_up(scheduler, order, BOB, "b1"))
    for _ in range(4):
        await release(clock, order, 1.0)
    await asyncio.gather(*calls)
    assert order == ["a1", "a2", "b1", "a3", "a4"]


class LimitedOnce(ChatModel):
    """Groq answering the first call with a 429 and its retry-after, then answering."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.calls = 0

    async def complete(self, request: ModelRequest) -> Reply:
        self.calls += 1
        if self.calls == 1:  # the response hook hands the 429's headers to the scheduler
            self.scheduler.observe(
                request.settings.model or MODEL, read_limits({"retry-after": "30"})
            )
            raise ModelError(ModelErrorKind.RATE_LIMITED, "RateLimitError (HTTP 429)")
        return Reply("answered", usage=Usage(12, 3))

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        yield Delta((await self.complete(request)).text)

    async def aclose(self) -> None:
        return None


async def test_a_429s_retry_after_holds_the_call_until_then(
    scheduler: Scheduler, clock: Clock
) -> None:
    """The scheduled model queues the refused call again; it goes once the clock passes
    the retry-after, not before; the answer reports the usage of the call that answered."""
    inner = LimitedOnce(scheduler)
    model = ScheduledModel(inner, scheduler, Allowance(model=MODEL, timeout=600))
    request = ModelRequest([ChatMessage.user("hi")], chat=ALICE)
    answer = asyncio.get_running_loop().create_task(model.complete(request))
    await until(lambda: inner.calls == 1 and scheduler.waiting(MODEL) == 1)
    clock.now = START + 29.5
    await clock.looked_at()
    assert not answer.done() and inner.calls == 1
    clock.now = START + 30.0
    reply = await answer
    assert (reply.text, reply.usage) == ("answered", Usage(12, 3))
    assert inner.calls == 2


async def test_a_spent_budget_holds_another_replica_sharing_the_store(
    scheduler: Scheduler, clock: Clock, store: BudgetStore
) -> None:
    """The figures one scheduler saw reach another through the budget store."""
    scheduler.observe(MODEL, SPENT)
    await scheduler.aclose()  # its save of the figures has landed
    other = Scheduler(store, clock=clock)
    with pytest.raises(ModelError) as refused:
        await other.admit(MODEL, BOB, tokens=100, deadline=now())
    assert refused.value.kind is ModelErrorKind.RATE_LIMITED
    fresh = Scheduler(MemoryBackend(StorageOptions(42, 10, 60)).budget_store(), clock=clock)
    await fresh.admit(MODEL, BOB, tokens=100, deadline=now())  # an unknown budget: a probe
    await other.aclose()
    await fresh.aclose()
