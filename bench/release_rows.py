"""The rows of `just bench --before`: each figure of an earlier release beside this one's.

Built from the JSON each measurement's subprocess printed (bench/release_probe.py), so the
table can be rebuilt, and tested, from given figures. Every ratio is a release against its own
baseline measured in the same subprocess; absolute figures are in the notes only.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Mapping, Sequence

from bench.rows import Row, fmt

Figure = Mapping[str, float]
Runs = Sequence[Figure]  # one per round, in the order they ran
Results = Mapping[str, Mapping[str, Runs]]  # figure -> "before" or "ours" -> runs
RELEASES = ("before", "ours")


def compared(
    results: Results,
    figure: str,
    value: Callable[[Figure], float],
    higher_is_better: bool,
    digits: int = 2,
) -> tuple[str, str, str]:
    """Both releases' median (min–max) of `value`, and a note on how they compare."""
    before, ours = ([value(run) for run in results[figure][release]] for release in RELEASES)
    better = "higher" if higher_is_better else "lower"
    overlap = max(before) >= min(ours) and max(ours) >= min(before)
    note = (
        f"{better} is better; this / before: "
        f"{statistics.median(ours) / statistics.median(before):.2f}"
        + (", the ranges overlap" if overlap else ", the ranges do not overlap")
    )
    return fmt(before, digits=digits), fmt(ours, digits=digits), note


def medians(results: Results, figure: str, *keys: str) -> str:
    """A release's medians of the absolute figures, for the note: 'before a / b, this c / d'."""
    return ", ".join(
        f"{label} "
        + " / ".join(
            f"{statistics.median(run[key] for run in results[figure][release]):.0f}"
            for key in keys
        )
        for label, release in zip(("before", "this release"), RELEASES, strict=True)
    )


def rows(results: Results, args: argparse.Namespace) -> list[Row]:
    """Every comparable figure measured, in the order of the full table."""
    table: list[Row] = []
    if "throughput" in results:
        table.extend(throughput_rows(results, args))
    if "concurrency" in results:
        table.extend(concurrency_rows(results, args))
    if "redis" in results:
        table.extend(redis_rows(results, args))
    if "memory" in results:
        table.extend(memory_rows(results, args))
    return table


def throughput_rows(results: Results, args: argparse.Namespace) -> list[Row]:
    figure = (
        f"throughput, memory mode: ours / bare aiogram echo (updates/s), {args.users} users x "
        f"{args.messages} messages fed one by one, zero-latency model"
    )
    before, ours, note = compared(results, "throughput", lambda r: r["ours"] / r["echo"], True)
    calls = " / ".join(
        f"{results['throughput'][release][-1]['ours_calls']:g}" for release in RELEASES
    )
    absolute = medians(results, "throughput", "ours", "echo")
    return [
        (
            figure,
            before,
            ours,
            f"{note}; updates/s, ours / echo: {absolute}; Bot API calls per update, ours "
            f"(last round): {calls} (before / this release), the echo's 1",
        )
    ]


def concurrency_rows(results: Results, args: argparse.Namespace) -> list[Row]:
    runs = results["concurrency"]
    ideal = statistics.median(run["ideal"] for release in RELEASES for run in runs[release])
    setting = (
        f"{args.users} users x {args.messages} messages, model {args.latency * 1000:.0f} ms "
        f"±{args.jitter:.0%} (the same latencies for ours and the naive handler)"
    )
    over_ideal = compared(results, "concurrency", lambda r: r["ours"], False)
    over_naive = compared(results, "concurrency", lambda r: r["ours"] / r["naive"], False)
    naive = " / ".join(fmt([run["naive"] for run in runs[release]]) for release in RELEASES)
    disorder = [sum(int(run["out_of_order"]) for run in runs[release]) for release in RELEASES]
    broken = [sum(int(run["broken"]) for run in runs[release]) for release in RELEASES]
    replies = args.users * args.messages * len(runs["ours"])
    return [
        (
            f"concurrency: ours' wall time / the ideal M x L ({ideal:.2f} s), {setting}",
            *over_ideal,
        ),
        (
            f"concurrency: ours / the naive handler (wall time), {setting}",
            *over_naive[:2],
            f"{over_naive[2]}; the naive handler / the ideal, before / this release: {naive}",
        ),
        (
            "replies out of order / model calls on a broken history, ours, all rounds",
            f"{disorder[0]} / {broken[0]}",
            f"{disorder[1]} / {broken[1]}",
            f"of {replies}",
        ),
    ]


def redis_rows(results: Results, args: argparse.Namespace) -> list[Row]:
    before, ours, note = compared(results, "redis", lambda r: r["ours"] / r["echo"], True)
    trips = compared(results, "redis", lambda r: r["round_trips"], False, digits=1)
    commands = compared(results, "redis", lambda r: r["commands"], False, digits=1)
    return [
        (
            f"throughput with Redis: ours / bare aiogram echo (updates/s), {args.users} users x "
            "1 message, STORAGE_URL=redis:// (the echo's FSM in memory), zero-latency model",
            before,
            ours,
            f"{note}; updates/s, ours / echo: {medians(results, 'redis', 'ours', 'echo')}",
        ),
        ("Redis round trips per message (client side, a pipeline or a script is one)", *trips),
        (
            "Redis commands per message (server side, INFO total_commands_processed)",
            *commands,
        ),
    ]


def memory_rows(results: Results, args: argparse.Namespace) -> list[Row]:
    users = f"{args.memory_users} users, tracemalloc, memory mode, ACTOR_IDLE_TIMEOUT=3600"
    return [
        (f"memory per {what} (bytes), {users}", *compared(results, "memory", at(key), False, 0))
        for what, key in (
            ("live actor", "live"),
            ("idle user, no history", "idle"),
            ("idle user, 20-message history", "history"),
        )
    ]


def at(key: str) -> Callable[[Figure], float]:
    return lambda run: run[key]
