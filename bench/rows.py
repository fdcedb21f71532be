"""The table's rows of the memory-mode figures, each beside its baseline."""

from __future__ import annotations

import argparse

from bench import figures
from bench.figures import median_spread, percentile


def fmt(values: list[float], unit: str = "", scale: float = 1.0, digits: int = 2) -> str:
    median, low, high = median_spread([v * scale for v in values])
    return f"{median:.{digits}f}{unit} ({low:.{digits}f}–{high:.{digits}f})"


Row = tuple[str, str, str, str]


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
            f"{fmt([o / e for o, e in zip(ours, echo, strict=True)])}; {calls}; why: the "
            "where-the-time-goes rows below",
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
