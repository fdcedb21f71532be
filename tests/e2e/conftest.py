"""The real bot (its Dispatcher, polling loop and Groq client) against the fake servers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from bot.app import build_dispatcher, poll, webhook_app
from bot.components import build_bot
from bot.config import Settings
from bot.conversation.conversations import Conversations
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates
from bot.webhook import serve
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.ports import free_port

BOT_TOKEN = "4242:TEST-TOKEN"
WEBHOOK_SECRET = "s3cret-token_for-tests"
HOOK_PATH = "/telegram/hook"


def bot_environment(telegram: FakeTelegram, groq: FakeGroq, **overrides: str) -> dict[str, str]:
    """The variables that point a real bot at the fakes; tests override what they exercise."""
    return {
        "BOT_TOKEN": BOT_TOKEN,
        "GROQ_API_KEY": groq.api_key,
        "GROQ_BASE_URL": groq.base_url,
        "TELEGRAM_API_URL": telegram.url,
        "GROQ_REQUEST_TIMEOUT": "5",
        "GROQ_MAX_RETRIES": "1",
        "BOT_REQUEST_TIMEOUT": "10",
        "LOG_TO_FILE": "false",
        "LOG_LEVEL": "DEBUG",
        # The fake Telegram has no send limits unless a test enforces them; tests of the
        # pacer (tests/e2e/test_capacity.py) turn it on.
        "TELEGRAM_PACING": "false",
        # A dialog's title is one more model call after its first answer; the tests of
        # dialogs (tests/e2e/test_dialogs.py) turn it on, the rest count calls without it.
        "DIALOG_TITLES": "false",
        **overrides,
    }


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    """The STORAGE_URL of a test that runs once on each backend (Redis: a real server)."""
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@dataclass
class RunningBot:
    settings: Settings
    bot: Bot
    dp: Dispatcher
    telegram: FakeTelegram
    groq: FakeGroq
    task: asyncio.Task[None] = field(repr=False)

    @property
    def conversations(self) -> Conversations:
        conversations = self.dp["conversations"]
        assert isinstance(conversations, Conversations)
        return conversations

    async def state(self, chat_id: int, thread_id: int | None = None) -> str | None:
        key = StorageKey(bot_id=self.bot.id, chat_id=chat_id, user_id=chat_id, thread_id=thread_id)
        return await FSMContext(self.dp.storage, key).get_state()

    async def replies(self, chat_id: int, count: int, timeout: float = 15) -> list[str]:
        """The first `count` texts sent to the chat, once that many have been sent."""
        await self.telegram.wait_until(
            lambda: len(self.telegram.sent_to(chat_id)) >= count, timeout=timeout
        )
        return [m.text for m in self.telegram.sent_to(chat_id)[:count]]

    async def settled(self, chat_id: int, timeout: float = 10) -> None:
        """Until the chat's turns are all done (committed) and its state is not busy (idle,
        or never written: a chat that had no turn)."""
        await self.settled_topic(chat_id, None, timeout)

    async def settled_topic(
        self, chat_id: int, thread_id: int | None, timeout: float = 10
    ) -> None:
        """`settled` for one forum topic of the chat (None: the chat itself)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.conversations.placement.pending(ChatKey(self.bot.id, chat_id, thread_id)) or (
            await self.state(chat_id, thread_id) == ConversationStates.awaiting_reply.state
        ):
            assert asyncio.get_running_loop().time() < deadline, "turns did not settle"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if not self.task.done():
            await self.dp.stop_polling()
        await self.task


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(
    fake_telegram: FakeTelegram,
    fake_groq: FakeGroq,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[StartBot]:
    """Starts the bot's real polling loop in this event loop; stops it after the test."""
    monkeypatch.chdir(tmp_path)  # no developer's .env, no logs/ in the tree
    running: list[RunningBot] = []

    async def start(**overrides: str) -> RunningBot:
        for name, value in bot_environment(fake_telegram, fake_groq, **overrides).items():
            monkeypatch.setenv(name, value)
        settings = Settings(_env_file=None)
        bot = build_bot(settings)
        dp = build_dispatcher(settings, bot)
        task = asyncio.create_task(poll(dp, bot, handle_signals=False))
        started = RunningBot(settings, bot, dp, fake_telegram, fake_groq, task)
        running.append(started)
        await fake_telegram.wait_until(
            lambda: any(method == "getUpdates" for method, _ in fake_telegram.calls)
        )
        return started

    yield start
    for started in running:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(started.stop(), timeout=15)


async def post_update(base: str, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> int:
    """What Telegram does: POST the update with the secret header; the response's status."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}{HOOK_PATH}",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        ) as response,
    ):
        return response.status


def webhook_environment(port: int) -> dict[str, str]:
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}{HOOK_PATH}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


async def wait_ready(base: str, timeout: float = 15) -> None:
    """Until GET /readyz says ready (Redis reachable, webhook registered)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            assert asyncio.get_running_loop().time() < deadline, f"{base} never got ready"
            await asyncio.sleep(0.05)


@dataclass
class Replica:
    """One webhook server of the bot, in this event loop."""

    base: str
    dp: Dispatcher
    stop: asyncio.Event
    task: asyncio.Task[None] = field(repr=False)

    async def post(self, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> int:
        return await post_update(self.base, update, secret)


StartReplica = Callable[..., Awaitable[Replica]]


@pytest.fixture
async def start_replica(
    fake_telegram: FakeTelegram,
    fake_groq: FakeGroq,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[StartReplica]:
    """Starts webhook servers of the real bot, ready to be posted to; stops them after."""
    monkeypatch.chdir(tmp_path)
    running: list[Replica] = []

    async def start(**overrides: str) -> Replica:
        port = free_port()
        env = bot_environment(fake_telegram, fake_groq, **webhook_environment(port), **overrides)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = Settings(_env_file=None)
        bot = build_bot(settings)
        dp = build_dispatcher(settings, bot)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(webhook_app(settings, dp, bot), "127.0.0.1", port, stop))
        replica = Replica(f"http://127.0.0.1:{port}", dp, stop, task)
        running.append(replica)
        await wait_ready(replica.base)
        return replica

    yield start
    for replica in running:
        replica.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(replica.task, timeout=15)
