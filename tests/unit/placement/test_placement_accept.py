"""The placement contract, on both adapters: a chat's turns are answered once each, in order;
a full inbox refuses; a crash in one turn spares the next; the chat shows it awaits a reply
until answered; chats do not wait for each other."""

from __future__ import annotations

import asyncio

from bot.conversation.conversations import Conversations
from bot.conversation.placement import Accepted
from bot.core.fsm import ConversationStates, chat_context
from bot.storage.base import Backend
from bot.texts import EN
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import KEY, OTHER, ScriptedModel, turn


async def test_turns_are_answered_once_each_in_order(
    conversations: Conversations, fake_telegram: FakeTelegram
) -> None:
    for n in range(1, 6):
        assert await conversations.accept(KEY, turn(n, f"m{n}")) is Accepted.QUEUED
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 5)
    assert [m.text for m in fake_telegram.sent_to(1)] == [f"echo: m{n}" for n in range(1, 6)]


async def test_a_message_delivered_twice_is_answered_once(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    model.gate = asyncio.Event()
    assert await conversations.accept(KEY, turn(1, "once")) is Accepted.QUEUED
    assert await conversations.accept(KEY, turn(1, "once")) is Accepted.DUPLICATE
    assert await conversations.accept(KEY, turn(2, "next")) is Accepted.QUEUED
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 2)
    await asyncio.sleep(0.1)
    assert [m.text for m in fake_telegram.sent_to(1)] == ["echo: once", "echo: next"]


async def test_a_full_inbox_refuses_the_turn(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    model.gate = asyncio.Event()
    results = [await conversations.accept(KEY, turn(n, f"m{n}")) for n in range(1, 8)]
    assert results == [Accepted.QUEUED] * 5 + [Accepted.INBOX_FULL] * 2
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 5)
    await asyncio.sleep(0.1)
    assert [m.text for m in fake_telegram.sent_to(1)] == [f"echo: m{n}" for n in range(1, 6)]


async def test_a_crash_inside_a_turn_gets_a_fallback_and_the_next_turn_works(
    conversations: Conversations,
    backend: Backend,
    model: ScriptedModel,
    fake_telegram: FakeTelegram,
) -> None:
    model.crash_on = {"boom"}
    for n, text in enumerate(["before", "boom", "after"], start=1):
        assert await conversations.accept(KEY, turn(n, text)) is Accepted.QUEUED
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 3)
    assert [m.text for m in fake_telegram.sent_to(1)] == [
        "echo: before",
        EN.internal_error,
        "echo: after",
    ]
    history = await backend.dialogs.load(KEY)
    assert [m.content for m in history] == ["before", "echo: before", "after", "echo: after"]


async def test_a_queued_turn_sets_the_chat_awaiting_until_its_answer_idles_it(
    conversations: Conversations,
    backend: Backend,
    model: ScriptedModel,
    fake_telegram: FakeTelegram,
) -> None:
    """Set in the accept's own step, before the actor can answer (and write idle): a handler
    writing it afterwards could land after the answer and leave an idle chat "busy"."""
    state = chat_context(backend.fsm_storage, KEY)
    model.gate = asyncio.Event()
    assert await conversations.accept(KEY, turn(1, "m1")) is Accepted.QUEUED
    assert await state.get_state() == ConversationStates.awaiting_reply.state
    model.gate.set()
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    while conversations.placement.pending(KEY):
        await asyncio.sleep(0.01)
    assert await state.get_state() == ConversationStates.idle.state
    assert await conversations.accept(KEY, turn(1, "m1")) is Accepted.DUPLICATE
    assert await state.get_state() == ConversationStates.idle.state


async def test_users_do_not_wait_for_each_other(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    model.gate = asyncio.Event()
    await conversations.accept(KEY, turn(1, "stuck"))
    await model.started.wait()
    model.gate = None  # the next call (another chat) does not wait
    await conversations.accept(OTHER, turn(1, "quick", OTHER))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(2)) >= 1)
    assert fake_telegram.sent_to(1) == []
