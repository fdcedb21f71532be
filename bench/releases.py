"""`just bench --before REV`: an earlier release beside this one, in one run's table.

Two full runs an hour apart compare the machine's two moods as much as the two releases
(others share its 2 cores). Here REV is checked out into a temporary detached git worktree,
and the comparable figures of both releases are measured interleaved in time: in each of the
--repeat rounds, every figure of REV and then of this release, each measurement in its own
subprocess of this very interpreter (the same packages) with the release's tree as its working
directory and sys.path, so each release runs its own `bot` and its own `bench`
(bench/release_probe.py). Both releases' Redis figures run against the one redis-server
started here. Each ratio is a release against a baseline measured in the same subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench import release_rows
from bench.footing import machine
from bench.rows import Row
from bench.timing import section
from bot.event_loop import loop_name
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent  # this release's tree, as it is on disk
PROBE = Path(__file__).with_name("release_probe.py")
FIGURES = ("throughput", "concurrency", "redis", "memory")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


@contextmanager
def worktree(repo: Path, rev: str) -> Iterator[Path]:
    """REV checked out, detached, in a temporary directory; removed at the end, also on error
    (the repository's list of worktrees too)."""
    directory = Path(tempfile.mkdtemp(prefix="bench-before-"))
    tree = directory / "tree"
    try:
        git(repo, "worktree", "add", "--detach", str(tree), rev)
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
            check=False,  # not there when the add failed; the prune below tidies up after it
        )
        shutil.rmtree(directory, ignore_errors=True)
        git(repo, "worktree", "prune")


def measure(tree: Path, request: Mapping[str, object]) -> dict[str, float]:
    """One figure of the release in `tree`, measured by that tree's own code in a process of
    its own; fails if the process imported its bench from anywhere else."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.read_text(), json.dumps(request)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{request['figure']} in {tree} failed:\n{done.stderr[-4000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    code = Path(str(result.pop("code"))).resolve()
    if not code.is_relative_to(tree.resolve()):
        raise RuntimeError(f"the release in {tree} was measured by {code}")
    return result


def measure_all(
    args: argparse.Namespace, trees: Mapping[str, Path], redis_url: str | None
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Round by round, figure by figure: the release before, then this one."""
    figures = [figure for figure in FIGURES if figure != "redis" or redis_url]
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        figure: {release: [] for release in trees} for figure in figures
    }
    for _ in range(args.repeat):
        for figure in figures:
            for release, tree in trees.items():
                request = {
                    "figure": figure,
                    "users": args.users,
                    "messages": args.messages,
                    "latency": args.latency,
                    "jitter": args.jitter,
                    "memory_users": args.memory_users,
                    "redis_url": redis_url,
                }
                with section(f"{figure}, {release}"):
                    results[figure][release].append(measure(tree, request))
    return results


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A redis-server of our own for both releases, or None where none is installed."""
    executable = shutil.which("redis-server")
    if executable is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def run(args: argparse.Namespace) -> None:
    """Measure both releases and print the one table."""
    before = git(ROOT, "rev-parse", "--short", f"{args.before}^{{commit}}")
    subject = git(ROOT, "log", "-1", "--format=%s", before)
    this = git(ROOT, "describe", "--always", "--dirty")
    with worktree(ROOT, before) as tree, redis_server() as url:
        results = measure_all(args, {"before": tree, "ours": ROOT}, url)
    table = release_rows.rows(results, args)
    if url is None:
        table.append(("Redis figures", "skipped: no redis-server installed", "", ""))
    header = [
        f"machine: {machine()}",
        f"event loop: {loop_name()}, for both releases and every baseline",
        f"command: just bench {' '.join(sys.argv[1:])}",
        f"before: {before} ({subject}); this release: {this}",
        f"figures: median (min–max) over {args.repeat} rounds; each round measures every "
        "figure of the release before, then of this one, each measurement in its own process "
        "of the same interpreter and packages, run by the release's own bot and bench",
    ]
    sys.stdout.write(render(header, before, table))


def render(header: list[str], before: str, table: list[Row]) -> str:
    lines = [*header, "", f"| figure | before (`{before}`) | this release | note |"]
    lines.append("| --- | --- | --- | --- |")
    lines.extend("| " + " | ".join(row) + " |" for row in table)
    return "\n".join(lines) + "\n"
