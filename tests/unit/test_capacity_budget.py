"""The scheduler's arithmetic: Groq's headers read, the budget spent and refilled, and turns
released round robin over chats."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.chat import ChatKey
from bot.core.errors import ModelError, ModelErrorKind
from bot.scheduling.budget import LimitReading, ModelBudget, parse_duration, read_limits
from bot.scheduling.scheduler import Scheduler
from bot.storage.memory.budget import MemoryBudgetStore


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("7.66s", 7.66), ("2m59.56s", 179.56), ("1h2m3s", 3723.0), ("120ms", 0.12), ("3", 3.0)],
)
def test_groq_durations_are_read(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5x", "1s2"])
def test_unreadable_durations_are_none(text: str) -> None:
    assert parse_duration(text) is None


def test_every_rate_limit_header_is_read() -> None:
    reading = read_limits(
        {
            "x-ratelimit-limit-requests": "14400",
            "x-ratelimit-limit-tokens": "6000",
            "x-ratelimit-remaining-requests": "14370",
            "x-ratelimit-remaining-tokens": "5997",
            "x-ratelimit-reset-requests": "2m59.56s",
            "x-ratelimit-reset-tokens": "7.66s",
            "retry-after": "2",
        }
    )
    assert reading == LimitReading(14370, 5997, 179.56, 7.66, 14400, 6000, 2.0)


def test_a_spent_budget_waits_for_its_reset_then_refills() -> None:
    budget = ModelBudget()
    budget.observe(LimitReading(remaining_requests=1, reset_requests=10, limit_requests=5), 100)
    assert budget.wait_for(1, 100) == 0
    budget.consume(1, 100)
    assert budget.wait_for(1, 101) == pytest.approx(9)
    assert budget.wait_for(1, 110) == 0
    for _ in range(5):
        budget.consume(1, 110)
    assert budget.wait_for(1, 110) > 0  # the refill is counted down, not repeated


def test_tokens_and_retry_after_hold_calls() -> None:
    budget = ModelBudget()
    budget.observe(LimitReading(remaining_tokens=100, reset_tokens=5, limit_tokens=6000), 0)
    assert budget.wait_for(50, 0) == 0
    assert budget.wait_for(500, 0) == pytest.approx(5)
    budget.observe(LimitReading(retry_after=3), 1)
    assert budget.wait_for(1, 1) == pytest.approx(3)


def test_the_stricter_replica_wins_and_the_figures_travel() -> None:
    ours, theirs = ModelBudget(), ModelBudget()
    ours.observe(LimitReading(remaining_requests=9, reset_requests=60), 0)
    theirs.observe(LimitReading(remaining_requests=2, reset_requests=60, retry_after=4), 0)
    ours.merge(ModelBudget.decode(theirs.encode()), 1)
    assert (ours.remaining_requests, ours.blocked_until) == (2, 4)


async def test_turns_are_released_round_robin_over_chats() -> None:
    scheduler = Scheduler(MemoryBudgetStore(), sync_every=0.01)
    scheduler.observe("m", LimitReading(remaining_requests=0, reset_requests=0.05))
    order: list[str] = []
    deadline = asyncio.get_running_loop().time() + 30

    async def ask(chat: str) -> None:
        await scheduler.admit("m", ChatKey(1, ord(chat)), 1, deadline)
        order.append(chat)
        scheduler.finished()
        # each released call answers: the budget is spent again for a moment
        scheduler.observe("m", LimitReading(remaining_requests=0, reset_requests=0.02))

    chatty = [asyncio.create_task(ask("a")) for _ in range(4)]
    others = [asyncio.create_task(ask(chat)) for chat in "bcd"]
    await asyncio.gather(*chatty, *others)
    assert order[:4] == ["a", "b", "c", "d"]
    assert order[4:] == ["a", "a", "a"]
    await scheduler.aclose()


async def test_a_model_without_rate_limit_headers_is_not_held_back() -> None:
    """One probe first; once it is back, headers or not, the others go at once."""
    scheduler = Scheduler(MemoryBudgetStore())
    deadline = asyncio.get_running_loop().time() + 30
    await scheduler.admit("m", None, 1, deadline)  # the probe
    others = [
        asyncio.create_task(scheduler.admit("m", ChatKey(1, n), 1, deadline)) for n in range(5)
    ]
    await asyncio.sleep(0.01)
    assert scheduler.waiting("m") == 5
    scheduler.finished()
    await asyncio.gather(*others)
    assert scheduler.waiting("m") == 0
    await scheduler.aclose()


async def test_a_turn_that_waits_past_its_deadline_is_rate_limited() -> None:
    scheduler = Scheduler(MemoryBudgetStore())
    scheduler.observe("m", LimitReading(retry_after=60))
    deadline = asyncio.get_running_loop().time() + 0.05
    with pytest.raises(ModelError) as caught:
        await scheduler.admit("m", None, 1, deadline)
    assert caught.value.kind is ModelErrorKind.RATE_LIMITED
    assert scheduler.waiting("m") == 0
    await scheduler.aclose()
