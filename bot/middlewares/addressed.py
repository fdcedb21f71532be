"""Commands addressed to another bot (`/help@other_bot` in a group) are not ours: dropped
before the allow-list and the rate limit, so no reply, no notice and no model call."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, TelegramObject
from loguru import logger

from bot.handlers.filters import ForAnotherBot


class NotForOtherBots(BaseMiddleware):
    """Outer message middleware, registered first; it suspends only for the first `getMe`."""

    def __init__(self) -> None:
        self._for_another_bot = ForAnotherBot()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        bot: Bot = data["bot"]
        if isinstance(event, Message) and await self._for_another_bot(event, bot):
            logger.debug("chat={} command for another bot; ignored", event.chat.id)
            return None
        return await handler(event, data)
