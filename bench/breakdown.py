"""Where the time goes, memory mode: the measured reason ours is slower than the bare echo.

Four parts of the CPU time per update, each timed with `time.perf_counter` over all the
updates of a run, on the same updates and footing (bench/footing.py): aiogram's shared
floor, the echo's send, our dispatch up to the turn's enqueueing, and our turn. With the
zero-latency model and the recording session nothing waits, so the event loop never idles
and wall time is CPU time.

Our text handler yields once per update (bot/handlers/chat.py: `asyncio.sleep(0)`, so the
chat's actor can start at once), and the actor and turn tasks run inside that yield: the
feed's wall time holds most of the turns (measured at 100 users x 3 messages: ~945 of ~1000
µs per update). A model that never answers does not separate them either: the turns still
start inside the feed, up to the scheduler's queue, and the run takes paths the answering
one does not (measured: 200 👀 reactions for the busy chats' later messages and 100 typing
actions, against 300 sendMessage only). So our dispatch is timed as the echo's is, by the
steps of `feed_update`'s own coroutine (`_Own`), not the tasks that run while it is
suspended, in the very run that times ours in all.
"""

from __future__ import annotations

import argparse
import statistics
import time
import types
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

from bench.figures import settle
from bench.harness import FakeModel, Rig, Updates, echo, ours
from bench.rows import Row


class _Own:
    """Awaits a coroutine and adds to `seconds` the time of its own steps only: while it is
    suspended, the other tasks' time is not counted."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @types.coroutine
    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Generator[Any, Any, Any]:
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            started = time.perf_counter()
            try:
                step = coroutine.send(sent) if thrown is None else coroutine.throw(thrown)
            except StopIteration as done:
                return done.value
            finally:
                self.seconds += time.perf_counter() - started
            try:
                sent, thrown = (yield step), None
            except BaseException as error:  # a cancel, say: into the coroutine, as await does
                sent, thrown = None, error


@dataclass
class Split:
    """Seconds per update of each part."""

    floor: float  # (a) the echo's dispatch, sending nothing
    send: float  # (b) the echo's send of one message
    dispatch: float  # (c) ours until the turn is enqueued
    turn: float  # (d) ours from taking the turn to the answer sent
    total: float  # ours in all


async def _feed(rig: Rig, updates: Updates) -> float:
    """Seconds of `feed_update`'s own steps over all the updates, fed one by one."""
    own = _Own()
    for update in updates.items:
        await own.run(rig.dp.feed_update(rig.bot, update))
    return own.seconds


async def where_time_goes(users: int, messages: int) -> Split:
    updates = Updates(users, messages)
    count = len(updates.items)
    floor = await _feed(echo(send=False), updates) / count
    await settle()
    echo_total = await _feed(echo(), updates) / count  # each send awaited in its update
    await settle()
    rig = ours(FakeModel())
    started = time.perf_counter()
    dispatch = await _feed(rig, updates) / count
    await rig.session.wait_for(count)
    total = (time.perf_counter() - started) / count  # first update fed to last reply sent
    await rig.close()
    await settle()
    return Split(floor, echo_total - floor, dispatch, total - dispatch, total)


async def breakdown_rows(args: argparse.Namespace) -> list[Row]:
    splits = [await where_time_goes(args.users, args.messages) for _ in range(args.repeat)]

    def part(of: Callable[[Split], float]) -> tuple[str, str]:
        micros = statistics.median(of(s) * 1e6 for s in splits)
        share = statistics.median(of(s) / s.total for s in splits)
        return f"{micros:.1f} µs", f"{share:.0%} of ours"

    figure = (
        f"where the time goes (CPU µs per update, median of {len(splits)}; {args.users} users "
        f"x {args.messages} messages fed one by one, memory mode, zero-latency model)"
    )
    total, _ = part(lambda s: s.total)
    floor, floor_share = part(lambda s: s.floor)
    send, send_share = part(lambda s: s.send)
    dispatch, dispatch_share = part(lambda s: s.dispatch)
    turn, turn_share = part(lambda s: s.turn)
    return [
        (
            f"{figure}: ours in all",
            total,
            "",
            "100%; first update fed to last reply sent divided by the updates, measured as the "
            "throughput row is, in a run of its own",
        ),
        (
            f"{figure}: (a) aiogram's shared floor, the echo's dispatch sending nothing",
            "",
            floor,
            f"{floor_share}; the bare echo with its handler's send removed (same dispatcher, "
            "middlewares, FSM and filter), feed_update's time divided by the updates",
        ),
        (
            f"{figure}: (b) the echo's send of one message",
            "",
            send,
            f"{send_share}; the bare echo's feed_update time per update (its send awaited in "
            "it, at once) minus (a)",
        ),
        (
            f"{figure}: (c) ours, dispatch until the turn is enqueued",
            dispatch,
            "",
            f"{dispatch_share}; in the run of ours in all, the time of feed_update's own "
            "coroutine steps divided by the updates (not the actor and turn tasks that run "
            "while its handler yields once)",
        ),
        (
            f"{figure}: (d) ours, the turn from taking it to the answer sent",
            turn,
            "",
            f"{turn_share}; ours in all minus (c), run by run: the actor's and the turn's "
            "tasks and the event loop's scheduling of them",
        ),
    ]
