"""Starting the real `python -m bot` process, for the tests that run it as an operator does:
an environment with nothing of the developer's in it, and the process started in a directory.

Several modules start it (start-up, restarts, replicas, deploys), so it lives here."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment without any bot variable a developer may have exported."""
    keep = {"PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


async def start_process(cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
