"""A Conversations for the placement tests, built on a backend with a scripted model: the
contract suite (tests/unit/placement/) and the leased-only tests beside it there
(test_leased_placement.py, test_leased_shutdown.py, test_chat_state.py) all build theirs with
it, and read the chat's answers and the turns a dead replica left with the helpers here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot

from bot.conversation.actors import ActorPool
from bot.conversation.conversations import Conversations
from bot.conversation.leased import LeasedPlacement
from bot.conversation.local import LocalPlacement
from bot.conversation.placement import Placement
from bot.conversation.prompting import Prompts
from bot.conversation.runner import TurnRunner
from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.core.trimming import Budget
from bot.core.turn import Turn
from bot.delivery.reactions import Reactions
from bot.delivery.sender import ReplySender
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply
from bot.scheduling.quota import Quota
from bot.storage.base import Backend, StorageOptions
from bot.storage.redis import RedisBackend
from bot.storage.redis.inbox import RedisInbox
from tests.support.fake_telegram import FakeTelegram

KEY = ChatKey(bot_id=4242, chat_id=1)
OTHER = ChatKey(bot_id=4242, chat_id=2)
INBOX = 5  # build()'s inbox size


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


@asynccontextmanager
async def started_redis(url: str, *, lease_ttl: float) -> AsyncIterator[RedisBackend]:
    """The leased-only modules' backend: a started RedisBackend whose leases last `lease_ttl`."""
    options = StorageOptions(bot_id=4242, max_messages=10, ttl_seconds=3600, lease_ttl=lease_ttl)
    built = RedisBackend.from_url(url, options)
    await built.start()
    try:
        yield built
    finally:
        await built.aclose()


def build(backend: Backend, bot: Bot, model: ScriptedModel) -> Conversations:
    """The bot's Conversations on `backend`: the leased placement if it shares an inbox."""
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
    pool = ActorPool(runner=runner, inbox_size=5)
    shared = backend.shared_inbox()
    placement: Placement = (
        LocalPlacement(pool, idle_timeout=60, fsm_storage=backend.fsm_storage)
        if shared is None
        else LeasedPlacement(pool, shared, idle_timeout=60, sender=sender)
    )
    return Conversations(
        placement,
        dialogs=backend.dialogs,
        sender=sender,
        reactions=reactions,
    )


def turn(message_id: int, text: str, chat: ChatKey = KEY) -> Turn:
    """A private chat's text message: its user is the chat."""
    return Turn(chat_id=chat.chat_id, user_id=chat.chat_id, message_id=message_id, text=text)


def texts(telegram: FakeTelegram) -> list[str]:
    return [m.text or "" for m in telegram.sent_to(KEY.chat_id)]


async def left_by_a_dead_replica(backend: RedisBackend, *message_ids: int) -> None:
    """Turns in the chat's stream that nobody holds the lease for."""
    durable_inbox = RedisInbox(backend.redis, backend.keys, ttl_seconds=3600)
    for n in message_ids:
        assert (await durable_inbox.record(KEY, turn(n, f"m{n}"), limit=INBOX)).waiting
