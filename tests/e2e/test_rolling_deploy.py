"""A rolling deploy: two `python -m bot` replicas in webhook mode on one Redis, one stopped
mid-burst. The load balancer posts updates to both in turn, and takes a replica out of
rotation as it sends it SIGTERM; the draining replica keeps its chats until the answers it is
making are done, then hands them over. Every message is answered once, in order, on the
history of the answers before it (docs/architecture.md, "Rolling deploys"; a turn cut off by
SHUTDOWN_TIMEOUT: tests/unit/placement/test_leased_shutdown.py)."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import bot_environment, post_update
from tests.e2e.process_helpers import clean_env
from tests.e2e.replica_helpers import (
    chats_leased_by,
    expected,
    replica_id,
    replies,
    start_replica_process,
)
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

# Their first messages are posted to each replica in turn: 72's and 74's reach the one leaving.
USERS = [71, 72, 73, 74, 75]
WARMING = [81, 82]  # one first call to the model for each replica (capacity's probe)
MESSAGES = 2  # the first in flight at the SIGTERM, the second posted after it
LEASE_TTL = "3"


@dataclass(frozen=True)
class Deploy:
    latency: float  # every answer's time at the model
    hold: float  # how long the answers in flight at the SIGTERM wait for the model past it

    def settings(self, redis_url: str) -> dict[str, str]:
        return {
            "STORAGE_URL": redis_url,
            "LEASE_TTL": LEASE_TTL,
            "SHUTDOWN_TIMEOUT": "10",  # longer than any answer here: none is cut off
            "GROQ_REQUEST_TIMEOUT": "60",
            "LOG_LEVEL": "INFO",
        }


DEPLOYS = {
    # the run: quick answers, but the ones in flight at the SIGTERM outlive the lease
    "quick-answers": Deploy(latency=0.4, hold=5.0),
    "answers-slower-than-the-lease": Deploy(latency=5.0, hold=0.0),
}


def dialog_before(user: int, n: int) -> list[tuple[str, str]]:
    """What the prompt of the user's message n must carry: every pair before it, then it."""
    pairs = [
        (("user", f"u{user} m{k}"), ("assistant", f"reply to: u{user} m{k}")) for k in range(n)
    ]
    return [message for pair in pairs for message in pair] + [("user", f"u{user} m{n}")]


def prompts_of(groq: FakeGroq, user: int) -> list[tuple[int, list[tuple[str, str]]]]:
    """The user's model requests, each as (its message's number, the dialog it carried)."""
    found = []
    for request in groq.requests:
        dialog = [(m["role"], m["content"]) for m in request["messages"] if m["role"] != "system"]
        last = dialog[-1][1]
        if last.startswith(f"u{user} m"):
            found.append((int(last.rsplit("m", 1)[1]), dialog))
    return found


def assert_answered_once_in_order(telegram: FakeTelegram, groq: FakeGroq, user: int) -> None:
    """Each message answered once, in order, and asked of the model once, with exactly the
    pairs before it."""
    assert replies(telegram, user) == expected(user, MESSAGES), user
    asked = prompts_of(groq, user)
    assert [n for n, _ in asked] == list(range(MESSAGES)), user
    for n, dialog in asked:
        assert dialog == dialog_before(user, n), (user, n)


async def warm_up(telegram: FakeTelegram, *bases: str) -> None:
    """Each replica's first model call goes alone, to learn the budget (bot/capacity/): made
    here, so the burst's first answers are all in flight at once."""
    for user, base in zip(WARMING, bases, strict=True):
        assert await post_update(base, telegram.message_update(user, "hello")) == 200
    await telegram.wait_until(lambda: all(telegram.sent_to(u) for u in WARMING), timeout=30)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.mark.parametrize("deploy", DEPLOYS.values(), ids=DEPLOYS.keys())
async def test_a_replica_stopped_mid_burst_hands_its_chats_over_answering_each_message_once(
    deploy: Deploy,
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    fake_groq: FakeGroq,
    redis_url: str,
) -> None:
    env = clean_env(**bot_environment(fake_telegram, fake_groq, **deploy.settings(redis_url)))
    processes = []
    try:
        for name in ("staying", "leaving"):
            processes.append(await start_replica_process(tmp_path, name, env))
        (staying, staying_base, _), (leaving, leaving_base, leaving_log) = processes
        await warm_up(fake_telegram, staying_base, leaving_base)
        fake_groq.latency = deploy.latency
        updates: list[dict[str, Any]] = [
            fake_telegram.message_update(u, f"u{u} m{n}") for n in range(MESSAGES) for u in USERS
        ]
        before, after = updates[: len(USERS)], updates[len(USERS) :]

        if deploy.hold:
            fake_groq.hold()  # the first answers wait for the model: in flight at the SIGTERM
        for index, update in enumerate(before):  # one at a time, to each replica in turn
            assert await post_update((staying_base, leaving_base)[index % 2], update) == 200
        await fake_groq.wait_for_requests(len(WARMING) + len(USERS), timeout=30)
        leaving_chats = await chats_leased_by(redis_url, replica_id(leaving_log))
        assert leaving_chats, "the replica to stop should be answering some chats"

        leaving.send_signal(signal.SIGTERM)  # and out of the load balancer's rotation
        for update in after:
            assert await post_update(staying_base, update) == 200
        if deploy.hold:
            await asyncio.sleep(deploy.hold)  # in flight past the lease: it must be kept
            fake_groq.let_go()

        await fake_telegram.wait_until(
            lambda: all(len(replies(fake_telegram, u)) >= MESSAGES for u in USERS), timeout=90
        )
        await asyncio.sleep(1.0)  # a repeated answer, if any, would show up here
        await asyncio.wait_for(leaving.wait(), timeout=30)
        assert leaving.returncode == 0
        for user in USERS:
            assert_answered_once_in_order(fake_telegram, fake_groq, user)
    finally:
        for process, _, _ in processes:
            await stop(process)
    assert staying.returncode == 0
