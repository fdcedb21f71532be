"""`just bench`: every figure side by side with its baseline, as one Markdown table."""

from __future__ import annotations

import argparse
import sys
import time

from bench import figures, releases
from bench.breakdown import breakdown_rows
from bench.footing import FOOTING, logging_off, machine
from bench.rows import (
    Row,
    concurrency_rows,
    memory_rows,
    overhead_rows,
    throughput_rows,
    trimming_rows,
)
from bench.service_rows import capacity_rows, redis_rows
from bench.timing import section, summary
from bot.event_loop import loop_name, run_loop


async def main(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    with section("throughput"):
        runs = [await throughput_run(args) for _ in range(args.repeat)]
        rows.extend(throughput_rows(args, runs))
    with section("where the time goes"):
        rows.extend(await breakdown_rows(args))
    with section("concurrency"):
        echo_seconds = [args.users * args.messages / run.echo for run in runs]
        rows.extend(await concurrency_rows(args, echo_seconds))
    with section("overhead"):
        rows.extend(await overhead_rows(args))
    with section("memory"):
        rows.extend(await memory_rows(args))
    with section("redis"):
        rows.extend(await redis_rows(args))
    with section("trimming"):
        rows.extend(trimming_rows())
    with section("capacity"):
        rows.extend(await capacity_rows(args))
    print_table(rows, args)


async def throughput_run(args: argparse.Namespace) -> figures.Throughput:
    result = await figures.throughput(args.users, args.messages, magic=True)
    await figures.settle()
    return result


def print_table(rows: list[tuple[str, str, str, str]], args: argparse.Namespace) -> None:
    out = sys.stdout.write
    out(f"machine: {machine()}\n")
    out(f"event loop: {loop_name()}, for ours and every baseline\n")
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
    parser.add_argument(
        "--before",
        metavar="REV",
        help="instead of the full table: the comparable figures of the release at git REV "
        "beside this one's, measured interleaved in one run (bench/releases.py)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging_off()  # the figures measure the bots, not the console they would log to
    arguments = parse()
    started = time.perf_counter()
    if arguments.before:
        releases.run(arguments)  # each measurement in a process of its own, on its own loop
    else:
        run_loop(main(arguments))  # the loop `python -m bot` runs on, for ours and every baseline
    sys.stdout.write(f"\ntook {time.perf_counter() - started:.0f} s\n")
    sys.stderr.write(summary() + "\n")
