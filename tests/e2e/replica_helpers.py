"""Replicas as separate `python -m bot` processes in webhook mode on one Redis: starting one,
reading which replica id it took and which chats it leases, and the answers users get.

The replica and rolling-deploy tests share them, so they live here."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from redis.asyncio import Redis

from tests.e2e.conftest import wait_ready
from tests.e2e.conftest import webhook_environment as webhook_env
from tests.support.fake_telegram import FakeTelegram
from tests.support.ports import free_port


def replies(telegram: FakeTelegram, user: int) -> list[str]:
    return [m.text for m in telegram.sent_to(user)]


def expected(user: int, count: int) -> list[str]:
    return [f"reply to: u{user} m{n}" for n in range(count)]


async def start_replica_process(
    tmp_path: Path, name: str, env: dict[str, str]
) -> tuple[asyncio.subprocess.Process, str, Path]:
    port = free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as sink:  # a file, not a pipe: nobody has to keep reading it
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env={**env, **webhook_env(port)},
            stdout=sink,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, timeout=30)
    except BaseException:  # not handed to the caller, who could not stop it
        process.kill()
        await process.wait()
        raise
    return process, base, log


def replica_id(log: Path) -> str:
    marker = "leased placement: replica="
    [line] = [line for line in log.read_text().splitlines() if marker in line]
    return line.split(marker, 1)[1].split()[0]


async def chats_leased_by(redis_url: str, replica: str) -> list[int]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        chats = []
        async for name in client.scan_iter(match="groqbot:v2:4242:lease:*"):
            holder = await client.get(name)
            if str(holder).startswith(f"{replica}:"):
                chats.append(int(str(name).rsplit(":", 1)[1]))
        return sorted(chats)
    finally:
        await client.aclose()
