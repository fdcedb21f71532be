"""The user's texts, chosen once per update from their Telegram language, for every handler."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject

from bot.texts import texts_for


class LanguageMiddleware(BaseMiddleware):
    """Puts `texts` in the handler data; it never suspends, so it cannot reorder updates."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = event.from_user if isinstance(event, Message) else None
        data["texts"] = texts_for(user.language_code if user is not None else None)
        return await handler(event, data)
