"""A cancel scope ends its step only: the task around it goes on, and its own cancel wins."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversation.scope import CancelScope


async def test_a_cancel_from_another_task_ends_the_step_and_the_task_goes_on() -> None:
    scope = CancelScope()
    after: list[str] = []

    async def step() -> None:
        with scope:
            await asyncio.sleep(10)
            after.append("not reached")
        await asyncio.sleep(0)  # no cancel left over for the task
        after.append("went on")

    task = asyncio.create_task(step())
    await asyncio.sleep(0.01)
    assert scope.cancel() is True
    assert scope.cancel() is False  # once
    await asyncio.wait_for(task, 1)
    assert after == ["went on"] and scope.cancelled_caught


async def test_a_cancel_of_the_task_itself_is_not_swallowed() -> None:
    scope = CancelScope()

    async def step() -> None:
        with scope:
            await asyncio.sleep(10)

    task = asyncio.create_task(step())
    await asyncio.sleep(0.01)
    scope.cancel()
    task.cancel()  # e.g. the shutdown, in the same moment as a reset
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_a_cancel_asked_before_the_step_ends_it_at_its_first_await() -> None:
    scope = CancelScope()
    scope.cancel()
    reached: list[str] = []
    with scope:
        reached.append("started")
        await asyncio.sleep(10)
        reached.append("not reached")
    assert reached == ["started"] and scope.cancelled_caught


async def test_a_step_that_ends_before_the_cancel_lands_leaves_nothing_pending() -> None:
    scope = CancelScope()
    scope.cancel()
    with scope:
        pass  # never waited: the cancel had no await to land on
    await asyncio.sleep(0.01)  # would raise CancelledError had it leaked out of the scope
    assert not scope.cancelled_caught


async def test_an_outer_scope_cancel_passes_through_an_inner_one() -> None:
    outer, inner = CancelScope(), CancelScope()
    seen: list[str] = []

    async def step() -> None:
        with outer:
            with inner:
                await asyncio.sleep(10)
            seen.append("not reached: the outer step is over")
        seen.append("after outer")

    task = asyncio.create_task(step())
    await asyncio.sleep(0.01)
    outer.cancel()
    await asyncio.wait_for(task, 1)
    assert seen == ["after outer"]
    assert outer.cancelled_caught and not inner.cancelled_caught
