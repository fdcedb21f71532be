"""`just bench --before REV`: the earlier release in a temporary worktree, each release measured
by its own code, interleaved in time, and one table built from both releases' figures.

No bench runs here: the releases are tiny git repositories whose bench/figures.py answers at
once with figures of its own, so what is checked is which code measured what, and the table."""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from bench import release_rows, releases

# The least of a release tree the probe imports: its figures, its footing, its event loop.
FIGURES = """
from types import SimpleNamespace

async def throughput(users, messages, storage_url="memory://", magic=False):
    return SimpleNamespace(ours={ours}, echo=1000.0, ours_calls=2.0, echo_calls=1.0)
"""
TREE = {
    "bench/__init__.py": "",
    "bench/footing.py": "def logging_off():\n    pass\n",
    "bot/__init__.py": "",
    "bot/event_loop.py": "import asyncio\n\ndef run_loop(main):\n    asyncio.run(main)\n",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def commit(repo: Path, ours: float) -> str:
    """A release whose bench measures ours at `ours` updates/s; its commit id."""
    for path, text in {**TREE, "bench/figures.py": FIGURES.format(ours=ours)}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"ours at {ours}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


def worktrees(repo: Path) -> list[str]:
    return [
        line
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if "tree" in line
    ]


def test_each_release_is_measured_by_its_own_code_in_a_worktree_removed_after(
    repo: Path,
) -> None:
    before = commit(repo, 500.0)
    commit(repo, 800.0)
    request = {"figure": "throughput", "users": 1, "messages": 1}
    with releases.worktree(repo, before) as tree:
        assert git(tree, "rev-parse", "HEAD") == before
        assert len(worktrees(repo)) == 2
        then = releases.measure(tree, request)
        now = releases.measure(repo, request)
    assert (then["ours"], now["ours"]) == (500.0, 800.0)
    assert then == {"ours": 500.0, "echo": 1000.0, "ours_calls": 2.0, "echo_calls": 1.0}
    assert not tree.exists()
    assert len(worktrees(repo)) == 1


def test_the_worktree_is_removed_on_error_too(repo: Path) -> None:
    before = commit(repo, 500.0)
    with (
        pytest.raises(RuntimeError, match="no such figure"),
        releases.worktree(repo, before) as tree,
    ):
        releases.measure(tree, {"figure": "no such figure"})
    assert not tree.parent.exists()
    assert len(worktrees(repo)) == 1


def test_a_revision_that_is_not_there_is_an_error_and_leaves_nothing(repo: Path) -> None:
    commit(repo, 500.0)
    with pytest.raises(RuntimeError, match="worktree add"), releases.worktree(repo, "nope"):
        pass
    assert len(worktrees(repo)) == 1


def test_the_releases_take_turns_round_by_round(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[tuple[str, Path]] = []

    def measure(tree: Path, request: Mapping[str, object]) -> dict[str, float]:
        order.append((str(request["figure"]), tree))
        return {}

    monkeypatch.setattr(releases, "measure", measure)
    old, new = tmp_path / "old", tmp_path / "new"
    releases.measure_all(arguments(repeat=2), {"before": old, "ours": new}, None)
    one_round = [(f, t) for f in ("throughput", "concurrency", "memory") for t in (old, new)]
    assert order == one_round * 2


def arguments(**overrides: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "users": 1000,
        "messages": 5,
        "latency": 0.2,
        "jitter": 0.25,
        "repeat": 3,
        "memory_users": 10_000,
        **overrides,
    }
    return argparse.Namespace(**values)


def test_the_table_puts_each_releases_ratio_against_its_own_baseline_side_by_side() -> None:
    def runs(**figures: list[float]) -> list[dict[str, float]]:
        return [
            dict(zip(figures, values, strict=True))
            for values in zip(*figures.values(), strict=True)
        ]

    results = {
        "throughput": {
            "before": runs(ours=[200, 250, 300], echo=[1000, 1000, 1000], ours_calls=[2] * 3),
            "ours": runs(ours=[200, 150, 240], echo=[800, 500, 800], ours_calls=[3] * 3),
        },
        "redis": {
            "before": runs(
                ours=[100] * 3, echo=[1000] * 3, round_trips=[5] * 3, commands=[25] * 3
            ),
            "ours": runs(ours=[90] * 3, echo=[1000] * 3, round_trips=[5] * 3, commands=[32] * 3),
        },
    }
    table = {row[0].split(" (")[0]: row[1:] for row in release_rows.rows(results, arguments())}
    before, now, note = table["throughput, memory mode: ours / bare aiogram echo"]
    assert (before, now) == ("0.25 (0.20–0.30)", "0.30 (0.25–0.30)")
    assert note.startswith("higher is better; this / before: 1.20, the ranges overlap;")
    assert "ours / echo: before 250 / 1000, this release 200 / 800" in note
    assert "ours (last round): 2 / 3 (before / this release)" in note
    assert table["throughput with Redis: ours / bare aiogram echo"][:2] == (
        "0.10 (0.10–0.10)",
        "0.09 (0.09–0.09)",
    )
    before, now, note = table["Redis commands per message"]
    assert (before, now) == ("25.0 (25.0–25.0)", "32.0 (32.0–32.0)")
    assert note == "lower is better; this / before: 1.28, the ranges do not overlap"
    assert "Redis round trips per message" in table
    assert not any(name.startswith(("concurrency", "memory")) for name in table)
