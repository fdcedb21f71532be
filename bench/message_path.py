"""`uv run python -m bench.message_path`: the bot's files that run for one text message.

The real bot (its Dispatcher, polling loop and Groq client, wired by the composition root)
runs in this process against the fake Telegram and fake Groq of tests/support, over real
HTTP: a private chat, `memory://`, streaming on, the rest as tests/e2e sets it (no pacing, no
dialog titles). A first message warms it up (imports, `getMe`, the catalog, the chat's actor);
then a profile hook (`sys.setprofile`: on Python 3.11 there is no `sys.monitoring`) records
every file under bot/ whose code runs while a second message of the same chat is handled, from
its update to its answer stored, in the order each was first entered; and which of them are
stations (bench/path_recorder.py says what makes one). docs/architecture.md, "The path of a
text message, module by module", is this command's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiogram import Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message, Update

import bot
from bench.footing import logging_off
from bench.path_recorder import FormOf, PathHook, PathRecorder
from bot.app import build_dispatcher, poll
from bot.components import build_bot
from bot.config import Settings
from bot.conversation.conversations import Conversations
from bot.conversation.prompting import Prompt
from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates
from bot.core.messages import ChatMessage
from bot.core.turn import Turn
from bot.event_loop import run_loop
from bot.llm.port import Delta, ModelRequest, Reply
from bot.storage.base import Commit, Conclusion
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

PACKAGE = Path(bot.__file__).parent
TOKEN = "4242:TEST-TOKEN"
BOT_ID = 4242
CHAT = 7001
WARM_UP = "a first message, to warm the bot up"
QUESTION = "the measured message, path-7f3a"  # the fake Groq's answer repeats it
QUIET = 0.3  # seconds without a call of the bot's code: the turn is over
SETTLE_TIMEOUT = 30.0


def form_of(marker: str) -> FormOf:
    """Which form of the message (the one whose text has `marker`) a value is, if any: the
    message itself, or a tuple, list or dataclass of the bot that carries it."""

    def form(value: object, depth: int = 0) -> str | None:
        kind = _own_form(value, marker)
        if kind is not None or depth > 0:
            return kind
        if isinstance(value, tuple | list):
            return next((k for v in value[:50] if (k := form(v, 1)) is not None), None)
        if hasattr(value, "__dataclass_fields__") and type(value).__module__.startswith("bot."):
            inner = (getattr(value, name, None) for name in value.__dataclass_fields__)
            return next((k for v in inner if (k := form(v, 1)) is not None), None)
        return None

    return form


def _own_form(value: object, marker: str) -> str | None:
    def has(text: str | None) -> bool:
        return text is not None and marker in text

    if isinstance(value, str):
        return "text" if has(value) else None
    if isinstance(value, Update):
        return "Update" if value.message is not None and has(value.message.text) else None
    if isinstance(value, Message):
        return "Message" if has(value.text) else None
    if isinstance(value, Turn):
        return "Turn" if has(value.text) else None
    if isinstance(value, Prompt):
        return "Prompt" if has(value.question.content) else None
    if isinstance(value, ModelRequest):
        return "ModelRequest" if any(has(m.content) for m in value.messages) else None
    if isinstance(value, Delta):
        return "Delta"  # only the measured message's answer streams meanwhile
    if isinstance(value, Reply):
        return "Reply" if has(value.text) else None
    if isinstance(value, ChatMessage):
        return "ChatMessage" if has(value.content) else None
    if isinstance(value, Commit):
        return "Commit" if any(has(m.content) for m in value.messages) else None
    if isinstance(value, Conclusion):
        return "Conclusion" if has(value.turn.text) else None
    return None


def environment(telegram: FakeTelegram, groq: FakeGroq) -> dict[str, str]:
    """The settings of tests/e2e/conftest.py `bot_environment`, logging aside."""
    return {
        "BOT_TOKEN": TOKEN,
        "GROQ_API_KEY": groq.api_key,
        "GROQ_BASE_URL": groq.base_url,
        "TELEGRAM_API_URL": telegram.url,
        "STORAGE_URL": "memory://",
        "STREAM_REPLIES": "true",
        "TELEGRAM_PACING": "false",
        "DIALOG_TITLES": "false",
        "LOG_TO_FILE": "false",
    }


@contextlib.asynccontextmanager
async def running_bot(telegram: FakeTelegram, groq: FakeGroq) -> AsyncIterator[Dispatcher]:
    """The bot's polling loop in this event loop, as tests/e2e starts it; stopped after."""
    settings = Settings.model_validate(environment(telegram, groq))
    client = build_bot(settings)
    dp = build_dispatcher(settings, client)
    polling = asyncio.create_task(poll(dp, client, handle_signals=False))
    try:
        await telegram.wait_until(lambda: any(m == "getUpdates" for m, _ in telegram.calls))
        yield dp
    finally:
        if not polling.done():
            await dp.stop_polling()
        await polling


async def answered(dp: Dispatcher, telegram: FakeTelegram, text: str, answers: int) -> None:
    """Sends `text` to the chat; returns once its answer is sent and the turn committed (the
    chat's state back to idle, nothing pending)."""
    telegram.send_text(CHAT, text)
    await telegram.wait_until(lambda: len(telegram.sent_to(CHAT)) >= answers, SETTLE_TIMEOUT)
    conversations: Conversations = dp["conversations"]
    state = FSMContext(dp.storage, StorageKey(bot_id=BOT_ID, chat_id=CHAT, user_id=CHAT))
    deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT
    while conversations.placement.pending(ChatKey(BOT_ID, CHAT)) or (
        await state.get_state() != ConversationStates.idle.state
    ):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the measured turn did not settle")
        await asyncio.sleep(0.02)


async def quiet(recorder: PathRecorder) -> None:
    """Until the bot's code has not run for QUIET seconds: the turn's last steps (its log
    line, the metrics) are done and the actor waits for the next turn."""
    calls = -1
    while calls != recorder.calls:
        calls = recorder.calls
        await asyncio.sleep(QUIET)


async def measure() -> PathRecorder:
    """The files that run for the second message of a chat, and the stations among them."""
    async with FakeTelegram() as telegram, FakeGroq() as groq, running_bot(telegram, groq) as dp:
        await answered(dp, telegram, WARM_UP, 1)
        hook = PathHook(PACKAGE, {answered.__code__}, form_of(QUESTION))
        hook.install()
        try:
            await answered(dp, telegram, QUESTION, 2)
            await quiet(hook.recorder)
        finally:
            hook.remove()
    return hook.recorder


def report(recorder: PathRecorder, files: int) -> str:
    """The ordered list, each station marked with the form it took first; then the totals."""
    lines = []
    for number, module in enumerate(recorder.order, 1):
        form = recorder.received.get(module)
        mark = f"  station ({form})" if module in recorder.stations and form else ""
        lines.append(f"{number:3}. {module}{mark}")
    lines.append(f"{len(recorder.order)} of the bot's {files} files run for the message.")
    lines.append("")
    lines.append(f"Stations: {len(recorder.stations)}, in order:")
    lines.extend(f"{n:3}. {m}" for n, m in enumerate(recorder.stations, 1))
    return "\n".join(lines)


async def measure_and_report() -> None:
    recorder = await measure()
    files = sum(1 for _ in PACKAGE.rglob("*.py"))
    sys.stdout.write(
        f"One plain text message in a private chat, memory://, streaming on "
        f"(Python {platform.python_version()}; after a first message warmed the bot up):\n\n"
    )
    sys.stdout.write(report(recorder, files) + "\n")


if __name__ == "__main__":
    logging_off()  # no console in the measure (`python -m bot` sets its logging up itself)
    run_loop(measure_and_report())  # the loop `python -m bot` runs on
