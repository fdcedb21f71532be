"""Capacity figures: many users against a rate-limited fake Groq, and their answers into a
fake Telegram that enforces its send limits (the fakes of tests/support, over real HTTP).

(a) ours (the scheduler), today's main (the model called straight, the SDK's retries, a
notice on a 429) and the naive handler, on the same limited Groq: notices, 429s, fairness.
(b) ours, paced and unpaced, delivering every answer: 429s and the time it took against
the least Telegram's overall limit allows.

Every variant of (a) talks to Groq through the bot's own client, the SDK's pool limit with
its queue in front (bot/llm/pool_gate.py: httpcore's queue rescans every waiter on every
event, which starved the fake Groq in this process), and has the same deadline, after which
what is unanswered counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

from aiogram import Bot

from bench.dashboard import Tape, recording
from bench.harness import TOKEN, FakeModel, RecordingSession, Rig, Updates, naive, settings
from bench.timing import section
from bot.app import build_dispatcher
from bot.components import build_bot, build_catalog, build_model
from bot.llm.port import ChatModel
from bot.storage.memory.retired import MemoryRetiredModels
from bot.texts import EN
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

WINDOW = 1.0  # seconds: Groq's windows are a minute and a day; the bench scales them down
LATENCY = 0.2


def deadline(users: int, messages: int) -> float:
    """Seconds from the first update fed, for every variant alike, after which what is
    unanswered counts as not answered: twice the least time the limits allow, and 30 s."""
    requests, tokens = _limits(users, messages)
    windows = users * messages / min(requests, tokens / _TOKENS_PER_REQUEST)
    return 30 + 2 * windows * WINDOW


@dataclass
class Limited:
    """One bot's run against the limited Groq."""

    name: str
    users: int
    messages: int
    notices: int  # rate-limit notices, or (naive) messages whose handler failed
    late: int  # messages still unanswered at the deadline, the others' complement
    requests: int
    refused: int  # 429s the fake Groq sent
    fairness: float  # slowest user's mean wait / fastest user's
    seconds: float
    ideal: float  # the least time the limits allow for what was answered
    tape: Tape | None = None  # ours: its metrics as the run went (bench/dashboard.py)


@dataclass
class Paced:
    name: str
    messages: int
    delivered: int
    refused: int  # 429s the fake Telegram sent
    seconds: float
    minimum: float  # messages / 30 per second


# Requests a window that one process here surely sends faster than: unlimited, the bot and
# the fake Groq sharing it answered about 185 a second at 1000 users. A limit above what the
# machine can send never binds, and the figure would show no limit at all.
REACHABLE = 80
_TOKENS_PER_REQUEST = 80  # about what the scheduler books for a bench question and answer


def _limits(users: int, messages: int) -> tuple[int, int]:
    """Requests and tokens per window: the run takes at least 8-10 windows, and the limits
    bind on this machine (REACHABLE); tokens run out a little before requests."""
    requests = min(max(users * messages // 8, 10), REACHABLE)
    return requests, requests * _TOKENS_PER_REQUEST * 4 // 5


def describe_limits(users: int, messages: int) -> str:
    requests, tokens = _limits(users, messages)
    return f"{requests} requests and {tokens} tokens a {WINDOW:g} s window"


def _fairness(rig: Rig, updates: Updates) -> float:
    fed = [  # (chat, fed at) of the updates fed before the deadline
        (u.message.chat.id, rig.fed_at[u.message.text])
        for u in updates.items
        if u.message and u.message.text and u.message.text in rig.fed_at
    ]
    waits: dict[int, list[float]] = defaultdict(list)
    sent_by_chat: dict[int, list[float]] = defaultdict(list)
    for sent in rig.session.sent:
        sent_by_chat[sent.chat_id].append(sent.at)
    seen: dict[int, int] = defaultdict(int)
    for chat, at in fed:
        index = seen[chat]
        seen[chat] += 1
        if index < len(sent_by_chat[chat]):
            waits[chat].append(sent_by_chat[chat][index] - at)
    means = [statistics.fmean(w) for w in waits.values() if w]
    return max(means) / min(means) if means and min(means) > 0 else float("nan")


def _rig(model: ChatModel, **overrides: Any) -> Rig:
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dp = build_dispatcher(settings(**overrides), bot, model)
    return Rig(dp, bot, session, FakeModel(), as_tasks=False)


async def limited_groq(users: int, messages: int) -> list[Limited]:
    """Ours, today's main and the naive handler against the same limited fake Groq."""
    results = []
    for name in ("ours", "main", "naive"):
        async with FakeGroq() as groq:
            requests, tokens = _limits(users, messages)
            groq.limit(requests=requests, tokens=tokens, window=WINDOW)
            groq.latency = LATENCY
            with section(f"capacity / limited Groq, {name}"):
                results.append(await _limited_run(name, groq, Updates(users, messages)))
    return results


async def _limited_run(name: str, groq: FakeGroq, updates: Updates) -> Limited:
    env = {"GROQ_BASE_URL": groq.base_url, "GROQ_API_KEY": groq.api_key}
    config = settings(**env)
    catalog = build_catalog(config, MemoryRetiredModels())
    model = build_model(config, catalog)  # the bot's Groq client, for every variant
    count = len(updates.items)
    seconds_left = deadline(updates.users, updates.messages)
    started = time.perf_counter()
    if name == "naive":
        rig = naive(model)  # type: ignore[arg-type]  # any ChatModel will do
        await rig.feed(updates.items)  # as tasks: at once
        late = await _naive_until(rig, started + seconds_left)
        notices = count - len(rig.session.sent) - late  # failed: the handler raised
    else:
        # today's main: the model called straight, as before the scheduler
        straight = patch("bot.components.ScheduledModel", lambda inner, *_, **__: inner)
        with straight if name == "main" else contextlib.nullcontext():
            rig = _rig(model, **env, GROQ_REQUEST_TIMEOUT=120)
        async with recording(rig.dp["metrics"].registry) as tape:
            with contextlib.suppress(TimeoutError):  # what is not even fed by then counts too
                await asyncio.wait_for(_answered(rig, updates), seconds_left)
        late = count - len(rig.session.sent)
        notices = sum(s.text == EN.model_rate_limited for s in rig.session.sent)
    seconds = time.perf_counter() - started
    fairness = _fairness(rig, updates)
    await rig.close()
    await model.aclose()
    assert groq._limits is not None
    windows = max(groq.served / groq._limits.requests, groq.tokens_served / groq._limits.tokens)
    ideal = max(windows - 1, 0) * WINDOW + LATENCY
    return Limited(
        name,
        updates.users,
        count,
        notices,
        late,
        len(groq.requests),
        groq.rate_limited,
        fairness,
        seconds,
        ideal,
        tape if name == "ours" else None,
    )


async def _answered(rig: Rig, updates: Updates) -> None:
    await rig.feed(updates.items)
    await rig.session.wait_for(len(updates.items))


async def _naive_until(rig: Rig, deadline: float) -> int:
    """Waits for the naive handler's tasks until `deadline`; cancels the rest, how many."""
    pending: set[asyncio.Task[Any]] = set()
    if rig.tasks:
        timeout = max(deadline - time.perf_counter(), 0.0)
        _, pending = await asyncio.wait(set(rig.tasks), timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*rig.tasks, return_exceptions=True)
    return len(pending)


async def paced_telegram(users: int) -> list[Paced]:
    """Every user's answer into a fake Telegram with Telegram's limits, paced and not."""
    results = []
    for name, pacing in (("ours, paced", True), ("ours, unpaced", False)):
        async with FakeTelegram() as telegram:
            telegram.enforce_limits()
            results.append(await _paced_run(name, telegram, users, pacing))
    return results


async def _paced_run(name: str, telegram: FakeTelegram, users: int, pacing: bool) -> Paced:
    config = settings(TELEGRAM_API_URL=telegram.url, TELEGRAM_PACING=pacing)
    bot = build_bot(config)
    dp = build_dispatcher(config, bot, FakeModel())
    rig = Rig(dp, bot, RecordingSession(), FakeModel(), as_tasks=False, record_times=False)
    updates = Updates(users, 1)
    started = time.monotonic()  # the fake's clock
    await rig.feed(updates.items)
    answered = {f"echo: {u.message.text}" for u in updates.items if u.message}

    def delivered() -> int:
        return sum(m.text in answered for m in telegram.sent)

    deadline = started + max(users / 10, 60)
    while delivered() < users and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    seconds = max((m.at for m in telegram.sent), default=started) - started
    await rig.close()
    await bot.session.close()
    minimum = max(math.ceil(users / 30) - 1, 0) * 1.0  # 30 a second, the first 30 at once
    return Paced(name, users, delivered(), telegram.flood_refusals, seconds, minimum)
