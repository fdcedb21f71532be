"""`just bench`: every figure side by side with its baseline, as one Markdown table."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from loguru import logger

from bench import figures
from bench.figures import median_spread, percentile
from tests.support.redis_server import RedisServer


def fmt(values: list[float], unit: str = "", scale: float = 1.0, digits: int = 2) -> str:
    median, low, high = median_spread([v * scale for v in values])
    return f"{median:.{digits}f}{unit} ({low:.{digits}f}–{high:.{digits}f})"


async def main(args: argparse.Namespace) -> None:
    rows: list[tuple[str, str, str, str]] = []
    n, m, latency = args.users, args.messages, args.latency

    ours_tp, echo_tp, ratio_tp = [], [], []
    for _ in range(args.repeat):
        ours_ups, echo_ups = await figures.throughput(n, m)
        ours_tp.append(ours_ups)
        echo_tp.append(echo_ups)
        ratio_tp.append(ours_ups / echo_ups)
        await figures.settle()
    rows.append(
        (
            f"throughput, {n * m} updates, zero-latency model (updates/s)",
            fmt(ours_tp, digits=0),
            fmt(echo_tp, digits=0) + " bare aiogram echo",
            fmt(ratio_tp),
        )
    )

    ours_c, naive_c = [], []
    orders = []
    ideal = 0.0
    for _ in range(args.repeat):
        ours_ratio, naive_ratio, ours_order, naive_order, ideal = await figures.concurrency(
            n, m, latency, args.jitter
        )
        ours_c.append(ours_ratio)
        naive_c.append(naive_ratio)
        orders.append((ours_order, naive_order))
        await figures.settle()
    label = f"{n} users x {m} messages, model {latency * 1000:.0f} ms ±{args.jitter:.0%}"
    # One core can only dispatch so many updates: N*M at the bare echo bot's rate is a floor
    # that no bot on aiogram can beat, however its conversations are scheduled.
    floor = max(ideal, n * m / statistics.median(echo_tp))
    rows.append(
        (
            f"concurrency: wall time / ideal M x L ({ideal:.2f} s), {label}",
            fmt(ours_c),
            fmt(naive_c) + " naive handler",
            f"aiogram's dispatch floor: {floor / ideal:.2f}",
        )
    )
    ours_order, naive_order = orders[-1]
    rows.append(
        (
            "replies out of order / model calls on a broken history (last run)",
            f"{ours_order.out_of_order} / {ours_order.broken_histories}",
            f"{naive_order.out_of_order} / {naive_order.broken_histories} naive handler",
            f"of {n * m}",
        )
    )

    for users, rounds in ((1, 300), (n, 3)):
        inbound, outbound = await figures.overhead(users, rounds)
        await figures.settle()
        rows.append(
            (
                f"overhead per message at {users} concurrent user(s): update -> model call",
                f"p50 {percentile(inbound, 0.5) * 1000:.3f} ms",
                f"p99 {percentile(inbound, 0.99) * 1000:.3f} ms",
                f"{len(inbound)} messages",
            )
        )
        rows.append(
            (
                f"overhead per message at {users} concurrent user(s): model answer -> send",
                f"p50 {percentile(outbound, 0.5) * 1000:.3f} ms",
                f"p99 {percentile(outbound, 0.99) * 1000:.3f} ms",
                f"{len(outbound)} messages",
            )
        )

    live, idle, with_history = [], [], []
    for _ in range(args.repeat):
        a, b, c = await figures.memory(args.memory_users, 20)
        live.append(a)
        idle.append(b)
        with_history.append(c)
        await figures.settle()
    users = f"{args.memory_users} users"
    rows.append(("memory per live actor (bytes, tracemalloc)", fmt(live, digits=0), users, ""))
    rows.append(("memory per idle user, no history (bytes)", fmt(idle, digits=0), users, ""))
    rows.append(
        (
            "memory per idle user, 20-message history (bytes)",
            fmt(with_history, digits=0),
            users,
            "history of ~4.7 KB text",
        )
    )

    rows.extend(await redis_rows(args, statistics.median(echo_tp)))

    trims = figures.trimming([10, 100, 1_000, 10_000])
    base = trims[10]
    for length, seconds in trims.items():
        rows.append(
            (
                f"trimming a {length}-message dialog to 6000 tokens / 40 messages",
                f"{seconds * 1e6:.1f} µs",
                "",
                f"x{seconds / base:.1f} of 10 messages",
            )
        )

    print_table(rows, args)


async def redis_rows(args: argparse.Namespace, echo_ups: float) -> list[tuple[str, str, str, str]]:
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
                ours_ups, _ = await figures.throughput(n, m, server.url)
                after = await figures.redis_commands(server.url)
                results.append((ours_ups, (after - before - 1) / (n * m)))
                await figures.settle()
            server.flush()
            round_trips = await figures.redis_round_trips(n, server.url)
            server.flush()
            inbound, outbound = await figures.overhead(1, 300, server.url)
        finally:
            server.stop()
    ups = [r[0] for r in results]
    commands = [r[1] for r in results]
    return [
        (
            f"throughput with Redis, {n * m} updates (updates/s)",
            fmt(ups, digits=0),
            f"{echo_ups:.0f} bare aiogram echo (median above)",
            fmt([u / echo_ups for u in ups]),
        ),
        (
            "Redis commands per message (server side)",
            fmt(commands, digits=1),
            f"{round_trips:.1f} round trips (client side, a pipeline is one)",
            "FSM read, inbox add, lease, inbox read, state, load, commit, inbox done, "
            "state, inbox read, lease release, inbox settle",
        ),
        (
            "overhead with Redis at 1 user: update -> model call",
            f"p50 {percentile(inbound, 0.5) * 1000:.3f} ms",
            f"p99 {percentile(inbound, 0.99) * 1000:.3f} ms",
            f"{len(inbound)} messages",
        ),
        (
            "overhead with Redis at 1 user: model answer -> send",
            f"p50 {percentile(outbound, 0.5) * 1000:.3f} ms",
            f"p99 {percentile(outbound, 0.99) * 1000:.3f} ms",
            f"{len(outbound)} messages",
        ),
    ]


def print_table(rows: list[tuple[str, str, str, str]], args: argparse.Namespace) -> None:
    out = sys.stdout.write
    out(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"aiogram {version('aiogram')}, groq {version('groq')}, {platform.platform()}\n"
    )
    out(f"command: just bench {' '.join(sys.argv[1:])}".rstrip() + "\n")
    out(f"figures: median (min–max) over {args.repeat} runs where a range is shown\n\n")
    out("| figure | ours | baseline | ratio / note |\n| --- | --- | --- | --- |\n")
    for row in rows:
        out("| " + " | ".join(row) + " |\n")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="just bench", description=__doc__)
    parser.add_argument("--users", type=int, default=1000, help="N concurrent users")
    parser.add_argument("--messages", type=int, default=5, help="M rapid messages per user")
    parser.add_argument("--latency", type=float, default=0.2, help="model latency L, seconds")
    parser.add_argument("--jitter", type=float, default=0.25, help="± share of L, seeded")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    parser.add_argument("--memory-users", type=int, default=10_000)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logger.remove()  # the figures measure the bot, not the console it would log to
    arguments = parse()
    started = time.perf_counter()
    asyncio.run(main(arguments))
    sys.stdout.write(f"\ntook {time.perf_counter() - started:.0f} s\n")
