"""The placement contract, run over both adapters: local (memory) and leased (a real Redis).

Like aiogram's storage tests, one set of tests and one fixture parametrised over every
adapter; where the two differ by design (what a shutdown leaves), the test says both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.conversation.actors import ActorPool
from bot.conversation.conversations import Conversations
from bot.conversation.leased import LeasedPlacement
from bot.conversation.local import LocalPlacement
from bot.conversation.placement import Accepted, Placement
from bot.conversation.prompting import Prompts
from bot.conversation.runner import TurnRunner
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates, chat_context
from bot.core.interrupts import Interrupted, Whose
from bot.core.messages import ChatMessage
from bot.core.trimming import Budget
from bot.core.turn import Turn
from bot.delivery.reactions import Reactions
from bot.delivery.sender import ReplySender
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply
from bot.scheduling.quota import Quota
from bot.storage.base import Backend, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend
from bot.texts import EN
from tests.support.fake_telegram import FakeTelegram

KEY = ChatKey(bot_id=4242, chat_id=1)
OTHER = ChatKey(bot_id=4242, chat_id=2)


class ScriptedModel(ChatModel):
    """Answers `echo: <last text>`; raises for texts in `crash_on`; waits on `gate` if set."""

    def __init__(self) -> None:
        self.crash_on: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.prompts: list[list[ChatMessage]] = []
        self.started = asyncio.Event()

    async def complete(self, request: ModelRequest) -> Reply:
        messages = request.messages
        self.prompts.append(list(messages))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        text = messages[-1].content
        if text in self.crash_on:
            raise RuntimeError("unexpected bug")
        return Reply(f"echo: {text}")

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        yield Delta((await self.complete(request)).text)

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    yield bot
    await bot.session.close()


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture(params=["local", "leased"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    options = StorageOptions(bot_id=4242, max_messages=10, ttl_seconds=3600, lease_ttl=1.0)
    if request.param == "local":
        built: Backend = MemoryBackend.from_url("memory://", options)
    else:
        built = RedisBackend.from_url(str(request.getfixturevalue("redis_url")), options)
    await built.start()
    yield built
    await built.aclose()


def build(backend: Backend, bot: Bot, model: ScriptedModel) -> Conversations:
    sender, reactions = ReplySender(bot), Reactions(bot)
    runner = TurnRunner(
        model=model,
        turns=backend.turns,
        quota=Quota(backend.usage),
        sender=sender,
        reactions=reactions,
        prompts=Prompts(
            turns=backend.turns,
            sender=sender,
            system_prompt=ChatMessage.system("be nice"),
            budget=Budget(max_tokens=1000, max_messages=10),
        ),
        stream=False,
    )
    pool = ActorPool(runner=runner, fsm_storage=backend.fsm_storage, inbox_size=5)
    shared = backend.shared_inbox()
    placement: Placement = (
        LocalPlacement(pool, idle_timeout=60, fsm_storage=backend.fsm_storage)
        if shared is None
        else LeasedPlacement(pool, shared, idle_timeout=60, sender=sender)
    )
    return Conversations(
        placement,
        dialogs=backend.dialogs,
        fsm_storage=backend.fsm_storage,
        sender=sender,
        reactions=reactions,
    )


@pytest.fixture
async def conversations(
    backend: Backend, bot: Bot, model: ScriptedModel
) -> AsyncIterator[Conversations]:
    supervisor = build(backend, bot, model)
    await supervisor.placement.start()
    yield supervisor
    await supervisor.shutdown(0.1)


def turn(message_id: int, text: str, chat: ChatKey = KEY) -> Turn:
    return Turn(chat_id=chat.chat_id, user_id=chat.chat_id, message_id=message_id, text=text)


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
