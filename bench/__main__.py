"""`just bench`: every figure side by side with its baseline, as one Markdown table."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import uvloop

from bench import capacity, figures
from bench.figures import median_spread, percentile
from bench.footing import FOOTING, logging_off
from bench.plot import plot
from tests.support.redis_server import RedisServer


def fmt(values: list[float], unit: str = "", scale: float = 1.0, digits: int = 2) -> str:
    median, low, high = median_spread([v * scale for v in values])
    return f"{median:.{digits}f}{unit} ({low:.{digits}f}–{high:.{digits}f})"


Row = tuple[str, str, str, str]


async def main(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    runs = [await throughput_run(args) for _ in range(args.repeat)]
    rows.extend(throughput_rows(args, runs))
    rows.extend(
        await concurrency_rows(args, [args.users * args.messages / run.echo for run in runs])
    )
    rows.extend(await overhead_rows(args))
    rows.extend(await memory_rows(args))
    rows.extend(await redis_rows(args))
    rows.extend(trimming_rows())
    rows.extend(await capacity_rows(args))
    print_table(rows, args)


async def throughput_run(args: argparse.Namespace) -> figures.Throughput:
    result = await figures.throughput(args.users, args.messages, magic=True)
    await figures.settle()
    return result


def throughput_rows(args: argparse.Namespace, runs: list[figures.Throughput]) -> list[Row]:
    n, m = args.users, args.messages
    ours = [r.ours for r in runs]
    echo = [r.echo for r in runs]
    magic = [r.magic for r in runs if r.magic is not None]
    calls = f"Bot API calls per update: ours {runs[-1].ours_calls:g}, echo {runs[-1].echo_calls:g}"
    return [
        (
            f"throughput (updates/s): {n} users x {m} messages fed one by one, memory mode "
            "(STORAGE_URL=memory://, no inbox write), zero-latency model (so no typing... "
            "call), replies not streamed",
            fmt(ours, digits=0),
            fmt(echo, digits=0) + " bare aiogram echo (HasText filter, one answer per update)",
            f"{fmt([o / e for o, e in zip(ours, echo, strict=True)])}; {calls}",
        ),
        (
            f"profiling change, filters (updates/s): ours with its {runs[-1].swapped} coroutine "
            "filters swapped back to magic F filters (run by aiogram via asyncio.to_thread), "
            f"same {n * m} updates and settings as the row above",
            fmt(ours, digits=0) + " coroutine filters (ours)",
            fmt(magic, digits=0) + " magic F filters",
            "coroutine / magic: " + fmt([o / g for o, g in zip(ours, magic, strict=True)]),
        ),
    ]


async def concurrency_rows(args: argparse.Namespace, echo_seconds: list[float]) -> list[Row]:
    n, m, latency = args.users, args.messages, args.latency
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
    # One core can only dispatch so many updates: the bare echo bot's time for the same N*M
    # updates is a floor no bot on aiogram can beat, however it schedules its conversations.
    floor = [seconds / ideal for seconds in echo_seconds]
    ours_order, naive_order = orders[-1]
    return [
        (
            f"concurrency: wall time / ideal M x L ({ideal:.2f} s: each user's {m} model calls "
            f"back to back, users in parallel), {n} users x {m} messages, model "
            f"{latency * 1000:.0f} ms ±{args.jitter:.0%} (same latencies for both), memory "
            "mode, replies not streamed",
            fmt(ours_c) + " (updates fed one by one, as ours polls)",
            fmt(naive_c) + " naive handler (model called in the handler, updates as tasks, "
            "aiogram's default: a user's messages overlap, so it can beat the ideal, out of "
            "order)",
            "dispatch floor, bare echo's time for the same updates / ideal (raw, not clamped "
            f"to 1): {fmt(floor)}",
        ),
        (
            "replies out of order / model calls on a broken history (last run of the row above)",
            f"{ours_order.out_of_order} / {ours_order.broken_histories}",
            f"{naive_order.out_of_order} / {naive_order.broken_histories} naive handler",
            f"of {n * m}",
        ),
    ]


async def overhead_rows(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    for users, rounds in ((1, 300), (args.users, 3)):
        inbound, outbound = await figures.overhead(users, rounds)
        await figures.settle()
        setting = (
            f"{users} user(s) x {rounds} rounds, each round's updates fed one by one, next round "
            "after all replies; model 10 ms, memory mode"
        )
        rows.append(
            overhead_row(f"overhead at {users} concurrent user(s)", inbound, "in", setting)
        )
        rows.append(overhead_row(f"overhead at {users} concurrent user(s)", outbound, "out", ""))
    return rows


def overhead_row(figure: str, seconds: list[float], way: str, setting: str) -> Row:
    step = "update fed -> model call" if way == "in" else "model answer -> send call"
    note = f"{len(seconds)} messages" + (f"; {setting}" if setting else "")
    return (
        f"{figure}: {step}",
        f"p50 {percentile(seconds, 0.5) * 1000:.3f} ms",
        f"p99 {percentile(seconds, 0.99) * 1000:.3f} ms (ours)",
        note,
    )


async def memory_rows(args: argparse.Namespace) -> list[Row]:
    live, idle, with_history = [], [], []
    for _ in range(args.repeat):
        a, b, c = await figures.memory(args.memory_users, 20)
        live.append(a)
        idle.append(b)
        with_history.append(c)
        await figures.settle()
    users = f"{args.memory_users} users"
    traced = "tracemalloc, memory mode, ACTOR_IDLE_TIMEOUT=3600"
    return [
        ("memory per live actor (bytes)", fmt(live, digits=0), users, traced),
        ("memory per idle user, no history (bytes)", fmt(idle, digits=0), users, traced),
        (
            "memory per idle user, 20-message history (bytes)",
            fmt(with_history, digits=0),
            users,
            f"{traced}; history of ~4.7 KB text",
        ),
    ]


def trimming_rows() -> list[Row]:
    trims = figures.trimming([10, 100, 1_000, 10_000])
    base = trims[10]
    return [
        (
            f"trimming a {length}-message dialog to 6000 tokens / 40 messages",
            f"{seconds * 1e6:.1f} µs",
            "",
            f"x{seconds / base:.1f} of 10 messages; trim_history alone, best of 3",
        )
        for length, seconds in trims.items()
    ]


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
    paced = await capacity.paced_telegram(args.users)
    path = plot(limited, paced)
    groq = (
        f"{args.users} users x {args.messages} messages against a fake Groq enforcing "
        f"{capacity.describe_limits(args.users, args.messages)} with Groq's headers, model "
        f"{capacity.LATENCY * 1000:.0f} ms, GROQ_MAX_RETRIES=1"
    )
    rows: list[Row] = []
    for result in limited:
        rows.append(
            (
                f"limited Groq, {result.name}: rate-limit notices (naive: unanswered) / "
                f"429s received / fairness; {groq}",
                f"{result.notices} of {result.messages}",
                f"{result.refused} of {result.requests} requests "
                f"({100 * result.refused / max(result.requests, 1):.1f}%)",
                f"fairness {result.fairness:.2f}; done in {result.seconds:.1f} s "
                f"(the limits' least {result.ideal:.1f} s)",
            )
        )
    for sent in paced:
        rows.append(
            (
                f"limited Telegram, {sent.name}: {sent.messages} users' answers into a fake "
                "Telegram enforcing 30/s overall, 20/min a group, 3 in 3 s a chat",
                f"{sent.refused} 429s received",
                f"{sent.delivered} of {sent.messages} delivered in {sent.seconds:.1f} s",
                f"x{sent.seconds / max(sent.minimum, 1e-9):.2f} of the limit's least "
                f"{sent.minimum:.0f} s; plot: {path.name}",
            )
        )
    return rows


def print_table(rows: list[tuple[str, str, str, str]], args: argparse.Namespace) -> None:
    out = sys.stdout.write
    out(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"aiogram {version('aiogram')}, groq {version('groq')}, {platform.platform()}\n"
    )
    out(f"event loop: uvloop {version('uvloop')}, for ours and every baseline\n")
    out(f"command: just bench {' '.join(sys.argv[1:])}".rstrip() + "\n")
    out(f"figures: median (min–max) over {args.repeat} runs where a range is shown\n")
    out(f"footing: {FOOTING}\n\n")
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
    logging_off()  # the figures measure the bots, not the console they would log to
    arguments = parse()
    started = time.perf_counter()
    uvloop.run(main(arguments))  # the loop `python -m bot` runs on, for ours and every baseline
    sys.stdout.write(f"\ntook {time.perf_counter() - started:.0f} s\n")
