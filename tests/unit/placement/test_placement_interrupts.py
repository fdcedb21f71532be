"""The placement contract, on both adapters: /cancel stops the answer and drops the waiting
turns (all of them, or one author's), a reset drops them and the history, and a reset that
lands while the answer is sent commits nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.conversation.conversations import Conversations
from bot.core.fsm import ConversationStates, chat_context
from bot.core.interrupts import Interrupted, Whose
from bot.core.messages import ChatMessage
from bot.storage.base import Backend
from bot.texts import EN
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import KEY, ScriptedModel, turn


async def test_cancel_stops_the_reply_and_drops_the_waiting_turns(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    model.gate = asyncio.Event()
    for n in range(1, 4):
        await conversations.accept(KEY, turn(n, f"m{n}"))
    await model.started.wait()
    assert await conversations.cancel(KEY) == Interrupted(stopped=True, dropped=2)
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    assert [m.text for m in fake_telegram.sent_to(1)] == [EN.stopped]
    model.gate = None
    await conversations.accept(KEY, turn(4, "m4"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 2)
    assert fake_telegram.sent_to(1)[-1].text == "echo: m4"
    while conversations.placement.pending(KEY):
        await asyncio.sleep(0.01)
    assert await conversations.cancel(KEY) == Interrupted(stopped=False, dropped=0)


async def test_a_cancel_of_one_authors_turns_leaves_the_others_in_order(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    """A group member's /cancel (their own turns), then an admin's (those sent before it)."""
    model.gate = asyncio.Event()
    for n, author in enumerate([7, 8, 7, 8, 7], start=1):
        await conversations.accept(KEY, replace(turn(n, f"m{n}"), user_id=author))
    await model.started.wait()
    assert await conversations.cancel(KEY, Whose(author=8)) == Interrupted(False, 2)
    assert await conversations.cancel(KEY, Whose(before=4)) == Interrupted(True, 1)
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 2)
    await asyncio.sleep(0.1)
    assert [m.text for m in fake_telegram.sent_to(1)] == [EN.stopped, "echo: m5"]


async def test_reset_cancels_the_turn_in_progress_and_drops_the_queue(
    conversations: Conversations,
    backend: Backend,
    model: ScriptedModel,
    fake_telegram: FakeTelegram,
) -> None:
    await backend.dialogs.replace_last(
        KEY, 0, [ChatMessage.user("old"), ChatMessage.assistant("old!")]
    )
    model.gate = asyncio.Event()
    for n in range(1, 4):
        await conversations.accept(KEY, turn(n, f"m{n}"))
    await model.started.wait()
    assert await conversations.reset(KEY) == 2
    model.gate.set()
    await asyncio.sleep(0.1)
    assert fake_telegram.sent_to(1) == []
    assert await backend.dialogs.load(KEY) == []
    assert conversations.placement.pending(KEY) == 0
    await conversations.accept(KEY, turn(4, "fresh"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    assert model.prompts[-1] == [ChatMessage.system("be nice"), ChatMessage.user("fresh")]


async def test_a_reset_while_the_answer_is_sent_commits_nothing(
    conversations: Conversations, backend: Backend, fake_telegram: FakeTelegram
) -> None:
    """The turn's end (pair, counts, state, cross-off) is one write after delivery: a reset
    that lands while the answer is on its way cancels the turn before that write."""
    await backend.dialogs.replace_last(
        KEY, 0, [ChatMessage.user("old"), ChatMessage.assistant("old!")]
    )
    fake_telegram.hold("sendMessage")
    await conversations.accept(KEY, turn(1, "m1"))
    await fake_telegram.wait_until(
        lambda: any(method == "sendMessage" for method, _ in fake_telegram.calls)
    )
    assert await conversations.reset(KEY) == 0
    fake_telegram.let_go()
    while conversations.placement.pending(KEY):
        await asyncio.sleep(0.01)
    assert await backend.dialogs.load(KEY) == []
    assert (
        await chat_context(backend.fsm_storage, KEY).get_state() == ConversationStates.idle.state
    )
    await conversations.accept(KEY, turn(2, "fresh"))
    while conversations.placement.pending(KEY):  # its end, written after its answer was sent
        await asyncio.sleep(0.01)
    assert await backend.dialogs.load(KEY) == [
        ChatMessage.user("fresh"),
        ChatMessage.assistant("echo: fresh"),
    ]
