"""The "typing…" indicator, shown while the user has nothing to read yet.

Telegram shows a chat action for about five seconds (or until the bot's next message), so it
is renewed; each renewal is a Bot API call. Once a streamed answer is visible (a draft, a
preview message) the renewals are wasted calls: the indicator ends on the preview's event,
not with the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from loguru import logger

TYPING_INTERVAL = 5.0  # seconds between renewals: Telegram's own display time


@asynccontextmanager
async def typing(bot: Bot, chat_id: int, until: asyncio.Event | None) -> AsyncIterator[None]:
    """Shows "typing…" until the context ends or `until` is set, whichever comes first."""
    loop = asyncio.create_task(_keep_typing(bot, chat_id, until or asyncio.Event()))
    try:
        yield
    finally:
        loop.cancel()
        await asyncio.wait({loop})  # not awaited itself: the caller's own cancel must pass


async def _keep_typing(bot: Bot, chat_id: int, until: asyncio.Event) -> None:
    """The renewals. Telegram refusing the action (403 where the bot may not act, a flood
    limit) ends them, logged: a task exception nobody retrieves is left behind otherwise."""
    try:
        while not until.is_set():
            await bot.send_chat_action(chat_id=chat_id, action="typing")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), TYPING_INTERVAL)
    except TelegramAPIError as error:
        logger.info("chat={} typing indicator stopped: {}", chat_id, error.message)
