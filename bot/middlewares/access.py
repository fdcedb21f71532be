"""The allow-list: when ALLOWED_USER_IDS is set, only those users reach the handlers."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from loguru import logger

from bot.texts import texts_for


class AccessMiddleware(BaseMiddleware):
    """Outer message middleware; it never suspends for allowed users, so order is kept."""

    def __init__(self, allowed_user_ids: frozenset[int]) -> None:
        self._allowed = allowed_user_ids

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not self._allowed or not isinstance(event, Message):
            return await handler(event, data)
        user = event.from_user
        if user is not None and user.id in self._allowed:
            return await handler(event, data)
        logger.info("user={} not on the allow-list; refused", user.id if user else None)
        await event.answer(texts_for(user.language_code if user else None).not_allowed)
        return None
