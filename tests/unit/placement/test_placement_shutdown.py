"""The placement contract, on both adapters, at shutdown: new turns refused, idle actors
stopped at once; past the deadline the local placement tells the users to send again, and
the leased one leaves their turns for the next start (where the two differ by design)."""

from __future__ import annotations

import asyncio

from aiogram import Bot

from bot.conversation.conversations import Conversations
from bot.conversation.placement import Accepted
from bot.storage.base import Backend
from bot.storage.memory import MemoryBackend
from bot.texts import EN
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import KEY, ScriptedModel, build, turn


async def test_shutdown_refuses_new_turns_and_stops_idle_actors_at_once(
    conversations: Conversations, fake_telegram: FakeTelegram
) -> None:
    await conversations.accept(KEY, turn(1, "hi"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    await asyncio.wait_for(conversations.shutdown(10), timeout=2)
    assert len(conversations.placement) == 0
    assert await conversations.accept(KEY, turn(2, "late")) is Accepted.CLOSING


async def test_shutdown_past_its_deadline_tells_or_keeps_the_unanswered(
    backend: Backend, bot: Bot, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    """Local: the users are told to send again. Leased: the next start answers them."""
    conversations = build(backend, bot, model)
    await conversations.placement.start()
    model.gate = asyncio.Event()
    for n in range(1, 4):
        await conversations.accept(KEY, turn(n, f"m{n}"))
    await model.started.wait()
    await conversations.shutdown(0.1)
    if isinstance(backend, MemoryBackend):
        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 3)
        assert [m.text for m in fake_telegram.sent_to(1)] == [EN.shutting_down] * 3
        return
    assert fake_telegram.sent_to(1) == []
    model.gate = None
    again = build(backend, bot, model)
    await again.placement.start()  # the lease left at shutdown was released: taken up at once
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 3)
    assert [m.text for m in fake_telegram.sent_to(1)] == [f"echo: m{n}" for n in range(1, 4)]
    await again.shutdown(1)
