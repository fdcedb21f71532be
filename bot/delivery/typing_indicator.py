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
from typing import cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendChatAction, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.utils.chat_action import ChatActionSender
from loguru import logger

TYPING_INTERVAL = 5.0  # seconds between renewals: Telegram's own display time


class QuietChatActions(BaseRequestMiddleware):
    """A session middleware: Telegram refusing a chat action (403 where the bot may not act, a
    flood limit) is one log line and a plain "done", so aiogram's typing loop never ends in a
    task exception nobody retrieves; every other call passes untouched."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramAPIError as error:
            if not isinstance(method, SendChatAction):
                raise
            logger.info("chat={} typing indicator not shown: {}", method.chat_id, error.message)
            return Response[TelegramType](ok=True, result=cast(TelegramType, True))


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
    return ChatActionSender.typing(chat_id=chat_id, bot=bot, interval=TYPING_INTERVAL)
