"""What every figure needs: a recording Telegram session, a fake model, updates, the bots.

The bots are fed with `Dispatcher.feed_update`, like polling feeds them, and talk to a
session that records calls instead of sending them, so a figure measures the bot alone.
The baselines stand on the same footing as ours (bench/footing.py): only the design differs.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, Update, User

from bench.footing import baseline_dispatcher, text_filter, with_magic_filters
from bot.app import build_dispatcher
from bot.config import Settings
from bot.conversation.conversations import Conversations
from bot.core.messages import ChatMessage
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply
from bot.storage.base import Backend

TOKEN = "4242:BENCH"


@dataclass
class Sent:
    chat_id: int
    text: str
    at: float


class RecordingSession(BaseSession):
    """Answers every Bot API call at once; keeps what was sent, and when."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self.calls = 0
        self._ids = itertools.count(1)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls += 1
        if isinstance(method, SendMessage):
            chat_id = int(method.chat_id)
            self.sent.append(Sent(chat_id, method.text, time.perf_counter()))
            self._wake()
            sent = Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=chat_id, type="private"),
                text=method.text,
            )
            return cast(TelegramType, sent)
        return cast(TelegramType, True)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""

    async def close(self) -> None:
        return None

    async def wait_for(self, count: int) -> None:
        """Until `count` messages have been sent in all."""
        if len(self.sent) >= count:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((count, future))
        await future

    def _wake(self) -> None:
        for count, future in list(self._waiters):
            if len(self.sent) >= count and not future.done():
                future.set_result(None)
                self._waiters.remove((count, future))


@dataclass
class Call:
    chat_id: int
    text: str
    history: list[tuple[str, str]]
    called_at: float
    answered_at: float = 0.0


class FakeModel(ChatModel):
    """A model with a set latency (plus seeded jitter) that answers `echo: <question>`."""

    def __init__(self, latency: float = 0.0, jitter: float = 0.0, seed: int = 1) -> None:
        self.latency = latency
        self.jitter = jitter
        self.calls: list[Call] = []
        self._rng = random.Random(seed)
        self.latency_of: dict[str, float] = {}

    def delay_for(self, text: str) -> float:
        """Each question's latency is fixed by its text, so every bot gets the same ones."""
        if text not in self.latency_of:
            spread = self.latency * self.jitter
            self.latency_of[text] = self.latency + self._rng.uniform(-spread, spread)
        return self.latency_of[text]

    async def complete(self, request: ModelRequest) -> Reply:
        messages = request.messages
        question = messages[-1].content
        chat_id = int(question.split("-")[0][1:])
        call = Call(
            chat_id,
            question,
            [(m.role.value, m.content) for m in messages[1:-1]],
            time.perf_counter(),
        )
        self.calls.append(call)
        delay = self.delay_for(question)
        if delay > 0:
            await asyncio.sleep(delay)
        call.answered_at = time.perf_counter()
        return Reply(f"echo: {question}")

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        yield Delta((await self.complete(request)).text)

    async def aclose(self) -> None:
        return None


def question(user: int, n: int) -> str:
    return f"u{user}-m{n}"


@dataclass
class Updates:
    """Telegram updates of `users` users sending `messages` messages each, interleaved."""

    users: int
    messages: int
    items: list[Update] = field(default_factory=list)

    def __post_init__(self) -> None:
        ids = itertools.count(1)
        now = datetime.now(UTC)
        for n in range(self.messages):
            for user in range(1, self.users + 1):
                person = User(id=user, is_bot=False, first_name="U", language_code="en")
                message = Message(
                    message_id=n + 1,
                    date=now,
                    chat=Chat(id=user, type="private"),
                    from_user=person,
                    text=question(user, n),
                )
                self.items.append(Update(update_id=next(ids), message=message))


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "BOT_TOKEN": TOKEN,
        "GROQ_API_KEY": "unused",
        "RATE_LIMIT_MESSAGES": 0,
        "INBOX_SIZE": 1000,
        "LOG_TO_FILE": False,
        "STREAM_REPLIES": False,  # the fake model answers in one piece
        # The recording session answers at once: pacing would measure Telegram's limits, not
        # the bot (bench/capacity.py measures the pacer against a limited fake Telegram).
        "TELEGRAM_PACING": False,
        # A dialog's title is one more model call, which the baselines do not make.
        "DIALOG_TITLES": False,
        **overrides,
    }
    return Settings.model_validate(values)


@dataclass
class Rig:
    """A bot, its dispatcher and what it talks to; `feed` delivers like polling does."""

    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    model: FakeModel
    as_tasks: bool
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    fed_at: dict[str, float] = field(default_factory=dict)
    record_times: bool = True

    async def feed(self, updates: Sequence[Update]) -> None:
        for update in updates:
            if self.record_times:
                assert update.message is not None and update.message.text is not None
                self.fed_at[update.message.text] = time.perf_counter()
            handling = self.dp.feed_update(self.bot, update)
            if self.as_tasks:
                task = asyncio.ensure_future(handling)
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            else:
                await handling

    async def close(self) -> None:
        conversations = self.dp.workflow_data.get("conversations")
        if isinstance(conversations, Conversations):
            await conversations.shutdown(1)
        backend = self.dp.workflow_data.get("backend")
        if isinstance(backend, Backend):
            await backend.aclose()


def ours(model: FakeModel, **overrides: Any) -> Rig:
    """The real bot, wired by the composition root, around the fake model."""
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dp = build_dispatcher(settings(**overrides), bot, model)
    return Rig(dp, bot, session, model, as_tasks=False)


def ours_with_magic_filters(model: FakeModel, **overrides: Any) -> tuple[Rig, int]:
    """Ours before profiling: magic `F` filters in place of the coroutine ones; how many."""
    rig = ours(model, **overrides)
    return rig, with_magic_filters(rig.dp)


def echo(send: bool = True) -> Rig:
    """A bare aiogram echo bot: the floor that aiogram itself sets, on our footing; with
    `send=False` its handler sends nothing, the rest unchanged."""
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    router = Router()

    async def answer(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text)

    async def silent(message: Message) -> None:
        assert message.text is not None

    router.message(text_filter())(answer if send else silent)  # our text handler's filter
    dp = baseline_dispatcher(settings())
    dp.include_router(router)
    return Rig(dp, bot, session, FakeModel(), as_tasks=False)


def naive(model: FakeModel) -> Rig:
    """The design this bot replaces: each update's handler calls the model itself."""
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    router = Router()
    histories: dict[int, list[ChatMessage]] = {}

    @router.message(text_filter())
    async def answer(message: Message) -> None:
        assert message.text is not None
        history = histories.setdefault(message.chat.id, [])
        history.append(ChatMessage.user(message.text))
        reply = await model.complete(ModelRequest([ChatMessage.system("s"), *history]))
        history.append(ChatMessage.assistant(reply.text))
        await message.answer(reply.text)

    dp = baseline_dispatcher(settings())
    dp.include_router(router)
    return Rig(dp, bot, session, model, as_tasks=True)  # aiogram's default
