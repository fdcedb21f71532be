"""/export: the chat's dialog as a Markdown document, in the user's language.

A header names the model and the system prompt; then who said what, and when (messages
stored before speakers and times were kept show neither).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, Message
from loguru import logger

from bot.chat_settings.model import read
from bot.config import Settings
from bot.core.chat_settings import ChatSettings
from bot.core.messages import ChatMessage, Role
from bot.delivery.outbox import Outbox
from bot.handlers.admins import is_admin
from bot.handlers.keys import chat_key
from bot.storage.base import Backend
from bot.texts import Texts


def when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def render_export(
    texts: Texts,
    messages: Sequence[ChatMessage],
    chosen: ChatSettings,
    settings: Settings,
    now: float,
) -> str:
    """The dialog as Markdown: a header, then each message under its speaker and time."""
    # the chat's own prompt; the operator's SYSTEM_PROMPT is theirs, never a user's to export
    system = chosen.system or texts.system_default
    lines = [
        f"# {texts.export_title}",
        "",
        f"- **{texts.export_model}:** `{chosen.model or settings.groq_model}`",
        f"- **{texts.export_exported}:** {when(now)}",
        f"- **{texts.export_system}:**",
        "",
        quoted(system),
    ]
    for message in messages:
        if message.role is Role.ASSISTANT:
            speaker = texts.export_assistant
        else:
            speaker = message.speaker or texts.export_user
        stamp = f" · {when(message.at)}" if message.at else ""
        lines += ["", "---", "", f"**{speaker}**{stamp}", "", message.content]
    return "\n".join(lines) + "\n"


async def export(
    message: Message,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    backend: Backend,
    outbox: Outbox,
) -> None:
    """Read and sent from the chat's outbox: a long dialog never holds the dispatch loop."""
    outbox.send(message.chat.id, lambda: _export(message, bot, state, texts, settings, backend))


async def _export(
    message: Message,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    backend: Backend,
) -> None:
    """In a group, an admin's only: the dialog holds what every member said and sent."""
    if not await is_admin(bot, message):
        await message.reply(texts.admins_only)
        return
    messages = await backend.dialogs.load(chat_key(bot, message))
    if not messages:
        await message.reply(texts.export_empty)
        return
    now = time.time()
    document = render_export(texts, messages, await read(state), settings, now)
    name = f"dialog-{datetime.fromtimestamp(now, UTC):%Y%m%d-%H%M}.md"
    logger.info("chat={} export of {} messages", message.chat.id, len(messages))
    await message.answer_document(
        BufferedInputFile(document.encode(), filename=name), caption=texts.export_caption
    )


def make_router() -> Router:
    router = Router(name="export")
    router.message.register(export, Command("export"))
    return router
