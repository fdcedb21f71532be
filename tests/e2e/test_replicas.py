"""Two replicas in webhook mode on one Redis, as behind a load balancer: every update may go to
either, and each chat is still answered once per message, in order, by one of them at a time."""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path
from typing import Any

from bot.texts import EN
from tests.e2e.conftest import StartReplica, bot_environment, post_update
from tests.e2e.process_helpers import clean_env
from tests.e2e.prompt_helpers import user_turns
from tests.e2e.replica_helpers import (
    chats_leased_by,
    expected,
    replica_id,
    replies,
    start_replica_process,
)
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

USERS = [91, 92, 93, 94, 95]  # an odd count: posting alternately, each user meets both replicas


async def all_answered(telegram: FakeTelegram, count: int, timeout: float) -> None:
    await telegram.wait_until(
        lambda: all(len(telegram.sent_to(u)) >= count for u in USERS), timeout=timeout
    )
    await asyncio.sleep(1.0)  # a duplicate, if any, would show up here


def prompts_of(groq: FakeGroq, user: int) -> list[list[str]]:
    """Each model request made for the user, as the user turns it carried."""
    return [
        turns
        for turns in map(user_turns, groq.requests)
        if turns and turns[-1].startswith(f"u{user} ")
    ]


async def test_updates_spread_over_two_replicas_are_answered_once_each_in_order(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    rng = random.Random(7)
    fake_groq.latency = lambda: rng.uniform(0.0, 0.08)
    replicas = [await start_replica(STORAGE_URL=redis_url, LEASE_TTL="2") for _ in range(2)]

    intruder = fake_telegram.message_update(USERS[0], "u91 let me in")
    assert await replicas[0].post(intruder, secret="wrong-secret-token") == 401
    updates = [fake_telegram.message_update(u, f"u{u} m{n}") for n in range(6) for u in USERS]
    for index, update in enumerate(updates):  # one at a time, as Telegram posts them
        assert await replicas[index % 2].post(update) == 200

    await all_answered(fake_telegram, 6, timeout=60)
    for user in USERS:
        assert replies(fake_telegram, user) == expected(user, 6)
        # each answer was built on exactly that user's dialog so far
        assert prompts_of(fake_groq, user) == [
            [f"u{user} m{k}" for k in range(n + 1)] for n in range(6)
        ]
    assert all("let me in" not in str(r["messages"]) for r in fake_groq.requests)
    drained = [r.dp["conversations"].placement.leases_taken for r in replicas]
    assert all(drained), f"both replicas should have drained chats: {drained}"


async def test_a_replica_killed_mid_burst_leaves_its_chats_to_the_other(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    fake_groq.latency = 0.05
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, STORAGE_URL=redis_url, LEASE_TTL="2")
    )
    env["LOG_LEVEL"] = "INFO"
    processes: list[asyncio.subprocess.Process] = []
    try:
        for name in ("doomed", "survivor"):
            process, base, log = await start_replica_process(tmp_path, name, env)
            processes.append(process)
            if name == "doomed":
                doomed, doomed_base, doomed_log = process, base, log
            else:
                survivor, survivor_base = process, base

        rounds = [
            [fake_telegram.message_update(u, f"u{u} m{n}") for u in USERS] for n in range(10)
        ]
        spread = [update for burst in rounds[:5] for update in burst]
        for index, update in enumerate(spread[:-5]):
            assert await post_update((doomed_base, survivor_base)[index % 2], update) == 200
        await all_answered(fake_telegram, 4, timeout=60)  # both replicas built dialogs

        # Every chat's actor waits for the model: nothing is half delivered when the kill comes.
        fake_groq.hold()
        for index, update in enumerate(spread[-5:]):
            assert await post_update((doomed_base, survivor_base)[index % 2], update) == 200
        await fake_groq.wait_for_held(len(USERS), timeout=30)
        doomed_chats = await chats_leased_by(redis_url, replica_id(doomed_log))
        assert doomed_chats, "the doomed replica should hold some chats when it is killed"
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        fake_groq.let_go()
        # Nothing new is posted: the survivor finds the dead replica's chats by itself.
        await all_answered(fake_telegram, 5, timeout=30)

        for burst in rounds[5:]:  # the load balancer sends everything to the survivor now
            for update in burst:
                assert await post_update(survivor_base, update) == 200
        await all_answered(fake_telegram, 10, timeout=60)
        for user in USERS:
            assert replies(fake_telegram, user) == expected(user, 10), user
        for user in doomed_chats:  # taken over with the dialog the dead replica had built
            assert prompts_of(fake_groq, user)[-1] == [f"u{user} m{k}" for k in range(10)]
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    assert survivor.returncode == 0


async def test_commands_sent_to_the_other_replica_act_where_the_answer_is_made(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    a, b = [await start_replica(STORAGE_URL=redis_url, LEASE_TTL="2") for _ in range(2)]
    user = 96

    async def answered_by_a(text: str) -> dict[str, Any]:
        """Posted to `a`, which takes the chat's lease; its model call waits until let go."""
        update = fake_telegram.message_update(user, text)
        fake_groq.hold()
        held = len(fake_groq.requests) + 1
        assert await a.post(update) == 200
        await fake_groq.wait_for_requests(held)
        return update

    # /cancel on b stops a's answer and drops the two messages queued through b.
    await answered_by_a("u96 m0")
    for n in (1, 2):
        assert await b.post(fake_telegram.message_update(user, f"u96 m{n}")) == 200
    assert await b.post(fake_telegram.message_update(user, "/cancel")) == 200
    await fake_telegram.wait_until(lambda: len(replies(fake_telegram, user)) >= 2)
    assert sorted(replies(fake_telegram, user)) == sorted(
        [EN.stopped, EN.cancelled(stopped=True, dropped=2)]
    )
    fake_groq.let_go()

    # The stop button, pressed on b's side, stops the draft a is streaming.
    question = await answered_by_a("u96 tell me a long story")
    stop = fake_telegram.stop_generation(user, question["message"]["message_id"])
    assert await b.post(stop) == 200
    await fake_telegram.wait_until(lambda: len(replies(fake_telegram, user)) >= 3)
    assert replies(fake_telegram, user)[2] == EN.stopped
    fake_groq.let_go()

    # "New dialog" on b while a is answering: the old turn never lands in the new dialog.
    await answered_by_a("u96 my cat is Tom")
    assert await b.post(fake_telegram.message_update(user, "/start")) == 200
    fake_groq.let_go()
    await fake_telegram.wait_until(lambda: len(replies(fake_telegram, user)) >= 4)
    assert await a.post(fake_telegram.message_update(user, "u96 what is my cat's name?")) == 200
    await fake_telegram.wait_until(
        lambda: "reply to: u96 what is my cat's name?" in replies(fake_telegram, user)
    )
    assert user_turns(fake_groq.requests[-1]) == ["u96 what is my cat's name?"]
    assert "reply to: u96 my cat is Tom" not in replies(fake_telegram, user)
    assert len(fake_groq.requests) == 4  # the dropped messages never reached the model
