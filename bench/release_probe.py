"""One figure of one release, measured inside that release's own tree (`just bench --before`).

bench/releases.py runs this file's source with `python -c`, the release's tree as the working
directory and the only entry of PYTHONPATH: the `bench` and `bot` imported here are that
release's own, so each release is measured by its own bot and its own bench. This file uses
only what bench/figures.py has had alike since before the storage redesign (9b18be5):
throughput, concurrency, memory, redis_commands, redis_round_trips and settle. Each ratio is
against a baseline measured in this same process. The last line of stdout is the JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from bench import figures
from bench.footing import logging_off
from bot.event_loop import run_loop

Request = dict[str, Any]
Figure = dict[str, float]


async def throughput(request: Request) -> Figure:
    """Ours and the bare aiogram echo on the very same updates, in memory mode."""
    run = await figures.throughput(request["users"], request["messages"])
    return {
        "ours": run.ours,
        "echo": run.echo,
        "ours_calls": run.ours_calls,
        "echo_calls": run.echo_calls,
    }


async def concurrency(request: Request) -> Figure:
    """Ours and the naive handler on the same updates and model latencies, and the ideal."""
    ours, naive, order, _, ideal = await figures.concurrency(
        request["users"], request["messages"], request["latency"], request["jitter"]
    )
    return {
        "ours": ours,
        "naive": naive,
        "ideal": ideal,
        "out_of_order": order.out_of_order,
        "broken": order.broken_histories,
    }


async def redis(request: Request) -> Figure:
    """Ours with STORAGE_URL=redis:// and the echo (in memory) alongside, as the bench's
    Redis row measures them; then the server's commands and the client's round trips."""
    url, users = request["redis_url"], request["users"]
    client = Redis.from_url(url)  # one connection: its handshake is before `before`
    try:
        await client.flushall()  # message ids repeat from run to run: a fresh durable inbox
        before = await figures.redis_commands(client)
        run = await figures.throughput(users, 1, url)
        after = await figures.redis_commands(client)
        await figures.settle()
        await client.flushall()
    finally:
        await client.aclose()
    round_trips = await figures.redis_round_trips(users, url)
    return {
        "ours": run.ours,
        "echo": run.echo,
        "commands": (after - before).total / users,
        "round_trips": round_trips,
    }


async def memory(request: Request) -> Figure:
    """Bytes per live actor, per idle user, and per idle user with a 20-message history."""
    live, idle, with_history = await figures.memory(request["memory_users"], 20)
    return {"live": live, "idle": idle, "history": with_history}


FIGURES: dict[str, Callable[[Request], Awaitable[Figure]]] = {
    "throughput": throughput,
    "concurrency": concurrency,
    "redis": redis,
    "memory": memory,
}


def main(argv: list[str]) -> None:
    request: Request = json.loads(argv[1])
    result: Figure = {}

    async def measure() -> None:
        result.update(await FIGURES[request["figure"]](request))

    logging_off()  # the figures measure the bots, not the console they would log to
    run_loop(measure())  # the loop `python -m bot` of this release runs on
    # which bench measured: the parent checks it is the release's own tree
    sys.stdout.write("\n" + json.dumps({**result, "code": figures.__file__}) + "\n")


if __name__ == "__main__":
    main(sys.argv)
