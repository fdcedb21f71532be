"""The allow-list: when ALLOWED_USER_IDS is set, only those users reach the handlers, with
their messages and with their button presses (a forwarded menu is pressable by anyone)."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.delivery.notices import Notices


class AccessMiddleware(BaseMiddleware):
    """Outer message and callback query middleware; it never suspends, so a refused stranger
    delays no one."""

    def __init__(self, allowed_user_ids: frozenset[int], notices: Notices) -> None:
        self._allowed = allowed_user_ids
        self._notices = notices

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not self._allowed or not isinstance(event, Message | CallbackQuery):
            return await handler(event, data)
        user = event.from_user
        if user is not None and user.id in self._allowed:
            return await handler(event, data)
        self._notices.not_allowed(event)  # in the background, once a window per stranger
        return None
