"""The actor and its supervisor with a scripted model: crashes, resets, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import MemoryStorage

from bot.conversation.journal import MemoryJournal
from bot.conversation.supervisor import Conversations, Submitted
from bot.conversation.turn import Turn, TurnRunner
from bot.delivery.sender import ReplySender
from bot.dialog.memory import MemoryDialogStore
from bot.dialog.messages import ChatMessage
from bot.dialog.store import DialogKey
from bot.dialog.trimming import Budget
from bot.llm.port import ChatModel
from bot.texts import EN
from tests.support.fake_telegram import FakeTelegram


class ScriptedModel(ChatModel):
    """Answers `echo: <last text>`; raises for texts in `crash_on`; waits on `gate` if set."""

    def __init__(self) -> None:
        self.crash_on: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.prompts: list[list[ChatMessage]] = []
        self.started = asyncio.Event()

    async def complete(self, messages: Sequence[ChatMessage]) -> str:
        self.prompts.append(list(messages))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        text = messages[-1].content
        if text in self.crash_on:
            raise RuntimeError("unexpected bug")
        return f"echo: {text}"

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        yield await self.complete(messages)

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


@pytest.fixture
def store() -> MemoryDialogStore:
    return MemoryDialogStore(max_messages=10, ttl_seconds=3600)


@pytest.fixture
def conversations(bot: Bot, model: ScriptedModel, store: MemoryDialogStore) -> Conversations:
    sender = ReplySender(bot)
    runner = TurnRunner(
        model=model,
        store=store,
        sender=sender,
        system_prompt=ChatMessage.system("be nice"),
        budget=Budget(max_tokens=1000, max_messages=10),
        stream=False,
    )
    return Conversations(
        runner=runner,
        store=store,
        sender=sender,
        fsm_storage=MemoryStorage(),
        journal=MemoryJournal(),
        inbox_size=5,
        idle_timeout=60,
    )


KEY = DialogKey(bot_id=4242, chat_id=1)


def turn(message_id: int, text: str) -> Turn:
    return Turn(chat_id=1, user_id=1, message_id=message_id, text=text)


async def test_a_crash_inside_a_turn_gets_a_fallback_and_the_next_turn_works(
    conversations: Conversations,
    model: ScriptedModel,
    store: MemoryDialogStore,
    fake_telegram: FakeTelegram,
) -> None:
    model.crash_on = {"boom"}
    for n, text in enumerate(["before", "boom", "after"], start=1):
        assert conversations.submit(KEY, turn(n, text)) is Submitted.QUEUED
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 3)
    assert [m.text for m in fake_telegram.sent_to(1)] == [
        "echo: before",
        EN.internal_error,
        "echo: after",
    ]
    history = await store.load(KEY)
    assert [m.content for m in history] == ["before", "echo: before", "after", "echo: after"]
    await conversations.shutdown(1)


async def test_reset_cancels_the_turn_in_progress_and_drops_the_queue(
    conversations: Conversations,
    model: ScriptedModel,
    store: MemoryDialogStore,
    fake_telegram: FakeTelegram,
) -> None:
    await store.append(KEY, [ChatMessage.user("old"), ChatMessage.assistant("old answer")])
    model.gate = asyncio.Event()
    for n in range(1, 4):
        conversations.submit(KEY, turn(n, f"m{n}"))
    await model.started.wait()
    assert await conversations.reset(KEY) == 2
    model.gate.set()
    await asyncio.sleep(0.1)
    assert fake_telegram.sent_to(1) == []
    assert await store.load(KEY) == []
    assert conversations.pending(KEY) == 0
    conversations.submit(KEY, turn(4, "fresh"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    assert model.prompts[-1] == [ChatMessage.system("be nice"), ChatMessage.user("fresh")]
    await conversations.shutdown(1)


async def test_shutdown_refuses_new_turns_and_stops_idle_actors_at_once(
    conversations: Conversations, fake_telegram: FakeTelegram
) -> None:
    conversations.submit(KEY, turn(1, "hi"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(1)) >= 1)
    await asyncio.wait_for(conversations.shutdown(10), timeout=2)
    assert len(conversations) == 0
    assert conversations.submit(KEY, turn(2, "late")) is Submitted.CLOSING


async def test_users_do_not_wait_for_each_other(
    conversations: Conversations, model: ScriptedModel, fake_telegram: FakeTelegram
) -> None:
    model.gate = asyncio.Event()
    conversations.submit(KEY, turn(1, "stuck"))
    await model.started.wait()
    model.gate = None  # the next call (another chat) does not wait
    other = DialogKey(bot_id=4242, chat_id=2)
    conversations.submit(other, Turn(chat_id=2, user_id=2, message_id=1, text="quick"))
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(2)) >= 1)
    assert fake_telegram.sent_to(1) == []
    await conversations.shutdown(0.1)
