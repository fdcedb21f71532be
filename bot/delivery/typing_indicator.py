"""The "typing…" indicator, shown while the user has nothing to read yet.

Telegram shows a chat action for about five seconds (or until the bot's next message), so
aiogram's `ChatActionSender` renews it; each renewal is a Bot API call. Once a streamed
answer is visible (a draft, a preview message) the renewals are wasted calls: the indicator
ends on the preview's event, not with the turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.chat_action import ChatActionSender
from loguru import logger

TYPING_INTERVAL = 5.0  # seconds between renewals: Telegram's own display time


class _TypingSender(ChatActionSender):
    """aiogram's typing loop, its end logged: Telegram refusing the action (403 where the bot
    may not act, a flood limit) must not leave a task exception nobody retrieves."""

    async def _worker(self) -> None:
        try:
            await super()._worker()
        except TelegramAPIError as error:
            logger.info("chat={} typing indicator stopped: {}", self.chat_id, error.message)


@asynccontextmanager
async def typing(bot: Bot, chat_id: int, until: asyncio.Event | None) -> AsyncIterator[None]:
    """Shows "typing…" until the context ends or `until` is set, whichever comes first."""
    if until is None:  # to the end: aiogram's sender alone, no task of ours to start
        async with _sender(bot, chat_id):
            yield
        return
    shown = asyncio.create_task(_typing_until(bot, chat_id, until))
    try:
        yield
    finally:
        shown.cancel()
        await asyncio.wait({shown})  # not awaited itself: the caller's own cancel must pass


async def _typing_until(bot: Bot, chat_id: int, until: asyncio.Event) -> None:
    async with _sender(bot, chat_id):
        await until.wait()


def _sender(bot: Bot, chat_id: int) -> ChatActionSender:
    return _TypingSender.typing(chat_id=chat_id, bot=bot, interval=TYPING_INTERVAL)
