"""The table's rows of the figures against services: Redis, a limited Groq, a limited Telegram."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench import capacity, figures
from bench.gate import CONNECTIONS
from bench.plot import plot
from bench.rows import Row, fmt, overhead_row
from bench.timing import section
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
            results = []
            for _ in range(args.repeat):
                server.flush()  # message ids repeat from run to run: a fresh durable inbox
                before = await figures.redis_commands(server.url)
                run = await figures.throughput(n, m, server.url)  # its echo runs in memory
                after = await figures.redis_commands(server.url)
                results.append((run, (after - before - 1) / (n * m)))
                await figures.settle()
            server.flush()
            round_trips = await figures.redis_round_trips(n, server.url)
            server.flush()
            inbound, outbound = await figures.overhead(1, 300, server.url)
        finally:
            server.stop()
    ups = [r[0].ours for r in results]
    echo = [r[0].echo for r in results]
    commands = [r[1] for r in results]
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
            "Redis commands per message (server side, INFO total_commands_processed)",
            fmt(commands, digits=1),
            f"{round_trips:.1f} round trips (client side, a pipeline or a script is one)",
            "FSM read, inbox add, lease, inbox read, state, load, commit, inbox done, "
            "state, inbox read, lease release, inbox settle",
        ),
        overhead_row("overhead with Redis at 1 user", inbound, "in", setting),
        overhead_row("overhead with Redis at 1 user", outbound, "out", ""),
    ]


async def capacity_rows(args: argparse.Namespace) -> list[Row]:
    """Scenario (a): a limited Groq; (b): a limited Telegram; drawn in bench/capacity.svg."""
    limited = await capacity.limited_groq(args.users, args.messages)
    await figures.settle()
    with section("capacity / limited Telegram"):
        paced = await capacity.paced_telegram(args.users)
    path = plot(limited, paced)
    return [*map(limited_row, limited), *(paced_row(sent, path.name) for sent in paced)]


def limited_row(result: capacity.Limited) -> Row:
    users, messages = result.users, result.messages // result.users
    groq = (
        f"{users} users x {messages} messages against a fake Groq enforcing "
        f"{capacity.describe_limits(users, messages)} with Groq's headers, model "
        f"{capacity.LATENCY * 1000:.0f} ms, GROQ_MAX_RETRIES=1; every variant alike: the "
        f"SDK's pool of {CONNECTIONS} connections with the requests beyond it waiting in "
        f"order in front of it (bench/gate.py), and what is unanswered {capacity.DEADLINE:g} s "
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
        f"x{sent.seconds / max(sent.minimum, 1e-9):.2f} of the limit's least "
        f"{sent.minimum:.0f} s; plot: {plot_name}",
    )
