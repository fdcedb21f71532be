"""This process's live children, read from /proc (Linux): a test sees a worker come and go."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


def children_running(fragment: str) -> list[int]:
    """Pids of this process's children whose command line holds `fragment`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and fragment in command:
            found.append(int(entry.name))
    return found


async def until_running(fragment: str, count: int, timeout: float = 10) -> None:
    """Until exactly `count` such children run (polled: a process's start sends no event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(children_running(fragment)) != count:
        assert asyncio.get_running_loop().time() < deadline, f"never {count} x {fragment}"
        await asyncio.sleep(0.02)
