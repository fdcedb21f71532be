"""Per-user rate limit: at most N messages in a sliding window, the rest refused with a word."""

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from loguru import logger

from bot.texts import texts_for


class RateLimitMiddleware(BaseMiddleware):
    """Decides without suspending, so it cannot reorder a user's updates."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._pruned_at = clock()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if self._limit == 0 or not isinstance(event, Message) or event.from_user is None:
            return await handler(event, data)
        user = event.from_user
        if self._admit(user.id):
            return await handler(event, data)
        logger.info("user={} over the rate limit; message refused", user.id)
        await event.reply(texts_for(user.language_code).rate_limited)
        return None

    def _admit(self, user_id: int) -> bool:
        now = self._clock()
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= self._window:
            stamps.popleft()
        if len(stamps) >= self._limit:
            return False
        stamps.append(now)
        self._prune(now)
        return True

    def _prune(self, now: float) -> None:
        """Once a window, forget users quiet for a whole window: memory follows active users."""
        if now - self._pruned_at < self._window:
            return
        self._pruned_at = now
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= self._window]:
            del self._seen[user_id]
