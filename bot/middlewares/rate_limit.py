"""Per-user rate limit: at most N messages and button presses (one count) in a sliding
window, the rest refused with a word."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.delivery.notices import Notices
from bot.handlers.keys import sender_id
from bot.storage.base import RateLimiter


class RateLimitMiddleware(BaseMiddleware):
    """Updates are dispatched one at a time, so awaiting the limiter cannot reorder them."""

    def __init__(self, limiter: RateLimiter, notices: Notices) -> None:
        self._limiter = limiter
        self._notices = notices

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Message | CallbackQuery) or event.from_user is None:
            return await handler(event, data)
        counted = sender_id(event) if isinstance(event, Message) else event.from_user.id
        if await self._limiter.admit(counted):
            return await handler(event, data)
        self._notices.rate_limited(event)  # in the background, once a window per user
        return None
