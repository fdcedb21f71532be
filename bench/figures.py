"""Each figure of the benchmark, measured side by side with its baseline in one run."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import timeit
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from unittest.mock import patch

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from bench.harness import (
    FakeModel,
    Rig,
    Updates,
    echo,
    naive,
    ours,
    ours_with_magic_filters,
    question,
)
from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.core.trimming import Budget, trim_history


@dataclass
class Ordering:
    out_of_order: int  # replies that arrived in another place than their question's
    broken_histories: int  # model calls whose history was not the user's dialog so far


async def drive(rig: Rig, updates: Updates) -> float:
    """Seconds from the first update fed to the last reply sent."""
    expected = len(rig.session.sent) + len(updates.items)
    started = time.perf_counter()
    await rig.feed(updates.items)
    await rig.session.wait_for(expected)
    elapsed = time.perf_counter() - started
    await rig.close()
    return elapsed


def ordering(rig: Rig, updates: Updates) -> Ordering:
    out_of_order = 0
    for user in range(1, updates.users + 1):
        got = [s.text for s in rig.session.sent if s.chat_id == user]
        want = [f"echo: {question(user, n)}" for n in range(updates.messages)]
        out_of_order += sum(g != w for g, w in zip(got, want, strict=True))
    broken = 0
    for call in rig.model.calls:
        user, n = call.chat_id, int(call.text.split("-m")[1])
        want_history = [
            pair
            for k in range(n)
            for pair in (("user", question(user, k)), ("assistant", f"echo: {question(user, k)}"))
        ]
        broken += call.history != want_history
    return Ordering(out_of_order, broken)


@dataclass
class Throughput:
    """Updates per second and Bot API calls per update, each bot on the very same updates."""

    ours: float
    echo: float
    ours_calls: float
    echo_calls: float
    magic: float | None = None  # ours with magic `F` filters, when measured
    swapped: int = 0  # how many of our filters the magic variant swapped


async def throughput(
    users: int, messages: int, storage_url: str = "memory://", magic: bool = False
) -> Throughput:
    """Ours, a bare echo bot and, if asked, ours with magic filters; zero-latency model."""
    updates = Updates(users, messages)
    count = len(updates.items)
    our_rig = ours(FakeModel(), STORAGE_URL=storage_url)
    ours_seconds = await drive(our_rig, updates)
    echo_rig = echo()
    echo_seconds = await drive(echo_rig, updates)
    result = Throughput(
        count / ours_seconds,
        count / echo_seconds,
        our_rig.session.calls / count,
        echo_rig.session.calls / count,
    )
    if magic:
        await settle()
        magic_rig, result.swapped = ours_with_magic_filters(FakeModel(), STORAGE_URL=storage_url)
        result.magic = count / await drive(magic_rig, updates)
    return result


async def concurrency(
    users: int, messages: int, latency: float, jitter: float
) -> tuple[float, float, Ordering, Ordering, float]:
    """Wall time of users x messages over the ideal, ours and naive, and their ordering."""
    updates = Updates(users, messages)
    our_model = FakeModel(latency, jitter)
    our_rig = ours(our_model)
    our_seconds = await drive(our_rig, updates)
    naive_model = FakeModel(latency, jitter)
    naive_model.latency_of = dict(our_model.latency_of)  # the very same latencies
    naive_rig = naive(naive_model)
    naive_seconds = await drive(naive_rig, updates)
    # ideal: every user's questions answered back to back, users fully in parallel
    ideal = max(
        sum(our_model.delay_for(question(user, n)) for n in range(messages))
        for user in range(1, users + 1)
    )
    return (
        our_seconds / ideal,
        naive_seconds / ideal,
        ordering(our_rig, updates),
        ordering(naive_rig, updates),
        ideal,
    )


async def overhead(
    users: int, rounds: int, storage_url: str = "memory://"
) -> tuple[list[float], list[float]]:
    """Per message: update fed -> model called, and model answered -> reply sent (seconds)."""
    updates = Updates(users, rounds)
    rig = ours(FakeModel(latency=0.01), STORAGE_URL=storage_url)
    for round_ in range(rounds):
        await rig.feed(updates.items[round_ * users : (round_ + 1) * users])
        await rig.session.wait_for((round_ + 1) * users)
    await rig.close()
    sent_at = {s.text.removeprefix("echo: "): s.at for s in rig.session.sent}
    inbound = [c.called_at - rig.fed_at[c.text] for c in rig.model.calls]
    outbound = [sent_at[c.text] - c.answered_at for c in rig.model.calls]
    return inbound, outbound


async def memory(users: int, history: int) -> tuple[float, float, float]:
    """Bytes per live actor, per idle user without history, and per idle user with it."""
    rig = ours(FakeModel(), ACTOR_IDLE_TIMEOUT=3600)
    rig.record_times = False
    conversations = rig.dp["conversations"]
    store = rig.dp["backend"].dialogs  # the bench reads the bot's own store
    keys = [ChatKey(rig.bot.id, user) for user in range(2, users + 1)]
    updates = Updates(users, 1)
    await rig.feed(updates.items[:1])  # warm every code path once
    await rig.session.wait_for(1)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    await rig.feed(updates.items[1:])
    await rig.session.wait_for(users)
    for key in keys:  # histories are measured on their own below
        for dialog in await store.dialogs(key):
            await store.delete(key, dialog.id)
    rig.session.sent.clear()  # the bench's own records are not the bot's memory
    rig.model.calls.clear()
    rig.model.latency_of.clear()
    gc.collect()
    live = tracemalloc.get_traced_memory()[0]

    await conversations.shutdown(5)  # every actor stops: what stays is an idle user's cost
    await settle()
    idle = tracemalloc.get_traced_memory()[0]

    for key in keys:
        dialog = [
            message
            for n in range(history // 2)
            for message in (
                ChatMessage.user(f"question {n} of user {key.chat_id}: " + "x" * 60),
                ChatMessage.assistant(f"answer {n} to user {key.chat_id}: " + "y" * 200),
            )
        ]
        await store.replace_last(key, 0, dialog, opens="1")  # as a turn's end opens one
    gc.collect()
    with_history = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    count = len(keys)
    return (live - idle) / count, (idle - before) / count, (with_history - before) / count


async def redis_round_trips(users: int, url: str) -> float:
    """Requests our bot writes to Redis per message, counted client-side (a pipeline is one)."""
    original = AbstractConnection.send_packed_command
    with patch.object(
        AbstractConnection, "send_packed_command", autospec=True, side_effect=original
    ) as sent:
        updates = Updates(users, 1)
        await drive(ours(FakeModel(), STORAGE_URL=url), updates)
        return sent.call_count / len(updates.items)


@dataclass
class RedisCommands:
    """Commands a Redis server has processed so far: in all, and by name."""

    total: int
    by_name: Counter[str]

    def __sub__(self, before: RedisCommands) -> RedisCommands:
        """What was processed in between, less the INFO that took `before`."""
        by_name = self.by_name - before.by_name
        del by_name["info"]
        return RedisCommands(self.total - before.total - 1, by_name)


async def redis_commands(client: Redis) -> RedisCommands:
    """INFO stats and commandstats in one call: a command a script or a MULTI runs counts
    once by its own name, as it does in total_commands_processed."""
    info = await client.info("stats", "commandstats")
    by_name = Counter(
        {
            key.removeprefix("cmdstat_"): int(value["calls"])
            for key, value in info.items()
            if key.startswith("cmdstat_")
        }
    )
    return RedisCommands(int(info["total_commands_processed"]), by_name)


def trimming(lengths: list[int]) -> dict[int, float]:
    """Seconds per trim_history call against the length of the dialog."""
    system = ChatMessage.system("You are a helpful assistant.")
    budget = Budget(max_tokens=6000, max_messages=40)
    result = {}
    for length in lengths:
        dialog = [
            ChatMessage.user(f"question {n} " + "x" * 80)
            if n % 2 == 0
            else ChatMessage.assistant(f"answer {n} " + "y" * 300)
            for n in range(length)
        ]
        if dialog[-1].role.value != "user":
            dialog.append(ChatMessage.user("last"))
        timer = timeit.Timer(lambda d=dialog: trim_history(system, d, budget))  # type: ignore[misc]
        number, _ = timer.autorange()
        result[length] = min(timer.repeat(3, number)) / number
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


async def settle() -> None:
    """Let cancelled tasks of the previous figure finish before the next one starts."""
    await asyncio.sleep(0.05)
    gc.collect()
