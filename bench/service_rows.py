"""The table's rows of the figures against services: Redis, a limited Groq, a limited Telegram."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from redis.asyncio import Redis

from bench import capacity, figures
from bench.dashboard import draw
from bench.plot import plot
from bench.rows import Row, fmt, overhead_row
from bench.timing import section
from bot.llm.pool_gate import CONNECTIONS
from tests.support.redis_server import RedisServer


async def redis_rows(args: argparse.Namespace) -> list[Row]:
    """The same pipeline with STORAGE_URL=redis:// against a redis-server started here."""
    executable = shutil.which("redis-server")
    if executable is None:
        return [("with Redis", "skipped: no redis-server installed", "", "")]
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            n, m = args.users, 1  # one message per user: Redis round trips dominate, not order
            runs = [await _redis_run(server, n, m) for _ in range(args.repeat)]
            server.flush()
            round_trips = await figures.redis_round_trips(n, server.url)
            server.flush()
            inbound, outbound = await figures.overhead(1, 300, server.url)
        finally:
            server.stop()
    ups = [run.ours for run, _ in runs]
    echo = [run.echo for run, _ in runs]
    setting = "1 user x 300 rounds, model 10 ms, STORAGE_URL=redis://"
    return [
        (
            f"throughput with Redis (updates/s): {n} users x {m} message, STORAGE_URL=redis:// "
            "(FSM, dialogs, durable inbox and leases in a local redis-server), zero-latency model",
            fmt(ups, digits=0),
            fmt(echo, digits=0) + " bare aiogram echo, measured alongside in each run (its FSM "
            "in memory)",
            fmt([u / e for u, e in zip(ups, echo, strict=True)]),
        ),
        (
            "Redis commands per message (server side, INFO total_commands_processed; a "
            "command run by a script or a MULTI counts too, as does the EVALSHA or EXEC)",
            fmt([commands.total / (n * m) for _, commands in runs], digits=1),
            f"{round_trips:.1f} round trips (client side, a pipeline or a script is one)",
            "by name, per message, each of 0.1 or more (INFO commandstats, all runs): "
            + _top_commands([commands for _, commands in runs], n * m),
        ),
        overhead_row("overhead with Redis at 1 user", inbound, "in", setting),
        overhead_row("overhead with Redis at 1 user", outbound, "out", ""),
    ]


async def _redis_run(
    server: RedisServer, users: int, messages: int
) -> tuple[figures.Throughput, figures.RedisCommands]:
    """One throughput run against Redis and the commands the server processed for it."""
    server.flush()  # message ids repeat from run to run: a fresh durable inbox
    client = Redis.from_url(server.url)  # one connection: its handshake is before `before`
    try:
        before = await figures.redis_commands(client)
        run = await figures.throughput(users, messages, server.url)  # its echo runs in memory
        after = await figures.redis_commands(client)
    finally:
        await client.aclose()
    await figures.settle()
    return run, after - before


def _top_commands(runs: list[figures.RedisCommands], messages: int, least: float = 0.1) -> str:
    """Each command called at least `least` times a message, most called first; the rest
    (connection handshakes, script loads) together."""
    calls: Counter[str] = Counter()
    for run in runs:
        calls.update(run.by_name)
    per = messages * len(runs)
    named = [(name, count) for name, count in calls.most_common() if count / per >= least]
    rest = sum(calls.values()) - sum(count for _, count in named)
    shown = [f"{name.upper()} {count / per:.2f}" for name, count in named]
    if rest:
        shown.append(f"{len(calls) - len(named)} others {rest / per:.2f}")
    return ", ".join(shown)


async def capacity_rows(args: argparse.Namespace) -> list[Row]:
    """Scenario (a): a limited Groq; (b): a limited Telegram; drawn in bench/capacity.svg."""
    limited = await capacity.limited_groq(args.users, args.messages)
    await figures.settle()
    with section("capacity / limited Telegram"):
        paced = await capacity.paced_telegram(args.users)
    path = plot(limited, paced)
    for result in limited:
        if result.tape is not None:
            draw(result.tape)  # the dashboard's panels during ours' run (bench/dashboard.py)
    return [*map(limited_row, limited), *(paced_row(sent, path.name) for sent in paced)]


def limited_row(result: capacity.Limited) -> Row:
    users, messages = result.users, result.messages // result.users
    groq = (
        f"{users} users x {messages} messages against a fake Groq enforcing "
        f"{capacity.describe_limits(users, messages)} with Groq's headers, model "
        f"{capacity.LATENCY * 1000:.0f} ms, GROQ_MAX_RETRIES=1; every variant alike: the "
        f"SDK's pool of {CONNECTIONS} connections with the requests beyond it waiting in "
        f"order in front of it (the bot's bot/llm/pool_gate.py), and what is unanswered "
        f"{capacity.deadline(users, messages):.0f} s "
        "after the first update counts as not answered"
    )
    return (
        f"limited Groq, {result.name}: rate-limit notices (naive: failed handlers) / 429s "
        f"received / fairness; {groq}",
        f"{result.notices} of {result.messages}; {result.late} unanswered at the deadline",
        f"{result.refused} of {result.requests} requests "
        f"({100 * result.refused / max(result.requests, 1):.1f}%)",
        f"fairness {result.fairness:.2f}; done in {result.seconds:.1f} s "
        f"(the limits' least {result.ideal:.1f} s)",
    )


def paced_row(sent: capacity.Paced, plot_name: str) -> Row:
    return (
        f"limited Telegram, {sent.name}: {sent.messages} users' answers into a fake "
        "Telegram enforcing 30/s overall, 20/min a group, 3 in 3 s a chat",
        f"{sent.refused} 429s received",
        f"{sent.delivered} of {sent.messages} delivered in {sent.seconds:.1f} s",
        (
            f"x{sent.seconds / max(sent.minimum, 1e-9):.2f} of the limit's least "
            if sent.delivered == sent.messages  # a time to deliver only some says nothing
            else f"{sent.messages - sent.delivered} answers lost (flood waits given up); "
            "the limit's least for all: "
        )
        + f"{sent.minimum:.0f} s; plot: {plot_name}",
    )
