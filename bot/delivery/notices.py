"""Refusal notices, sent in the background and at most once a window per user and kind.

Updates are dispatched one at a time, so a notice awaited there would hold up every other
user behind one flooding stranger; and a stranger told once needs no second word.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import CallbackQuery, Message
from loguru import logger

from bot.core.expiring import ExpiringMap
from bot.texts import Texts, texts_for


class Notice(StrEnum):
    NOT_ALLOWED = "not-allowed"
    RATE_LIMITED = "rate-limited"
    INBOX_FULL = "inbox-full"
    # A refused button press is answered under the buttons: told once a window too, apart
    # from the messages' refusals, so a press never waits in vain on the one a message got.
    PRESS_NOT_ALLOWED = "press-not-allowed"
    PRESS_RATE_LIMITED = "press-rate-limited"
    ADMIN = "admin"  # news for ADMIN_USER_IDS, such as a model Groq retired


class Notices:
    """Owns the notice tasks: `aclose` waits for them briefly, then cancels the rest."""

    def __init__(self, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        # An entry lives one window after its notice: memory follows who was told lately.
        self._told: ExpiringMap[tuple[Notice, int], bool] = ExpiringMap(window, clock=clock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def size(self) -> int:
        """(kind, user) pairs remembered, expired ones not pruned yet included."""
        return len(self._told)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def not_allowed(self, event: Message | CallbackQuery) -> bool:
        text = _texts(event).not_allowed
        if isinstance(event, CallbackQuery):
            return self._press(Notice.PRESS_NOT_ALLOWED, event, text)
        message = event
        return self.post(Notice.NOT_ALLOWED, message, lambda: message.answer(text))

    def rate_limited(self, event: Message | CallbackQuery) -> bool:
        if isinstance(event, CallbackQuery):
            return self._press(Notice.PRESS_RATE_LIMITED, event, _texts(event).press_rate_limited)
        message, text = event, _texts(event).rate_limited
        return self.post(Notice.RATE_LIMITED, message, lambda: message.reply(text))

    def inbox_full(self, message: Message, size: int) -> bool:
        text = _texts(message).inbox_full(size)
        return self.post(Notice.INBOX_FULL, message, lambda: message.reply(text))

    def post(self, kind: Notice, message: Message, send: Callable[[], Awaitable[Any]]) -> bool:
        """Start `send` unless this user heard this notice within the window; never waits."""
        user_id = message.from_user.id if message.from_user else message.chat.id
        return self._post(kind, user_id, message.chat.id, send)

    def _press(self, kind: Notice, callback: CallbackQuery, text: str) -> bool:
        """A short note under the buttons (not an alert to dismiss) for a refused press."""
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        return self._post(
            kind, callback.from_user.id, chat_id, lambda: callback.answer(text, show_alert=False)
        )

    def _post(
        self, kind: Notice, user_id: int, chat_id: int, send: Callable[[], Awaitable[Any]]
    ) -> bool:
        if self._closed or self._told.get((kind, user_id)) is not None:
            logger.debug("chat={} user={} {}: already told, silent", chat_id, user_id, kind)
            return False
        self._told.set((kind, user_id), True)
        logger.info("chat={} user={} {}: notice sent", chat_id, user_id, kind)
        self._start(kind, chat_id, send)
        return True

    def admin(self, bot: Bot, user_id: int, text: str) -> None:
        """A message to an admin, in the background: it never holds up a turn."""
        if not self._closed:
            logger.info("chat={} {}: notice sent", user_id, Notice.ADMIN)
            self._start(Notice.ADMIN, user_id, lambda: bot.send_message(user_id, text))

    def _start(self, kind: Notice, chat_id: int, send: Callable[[], Awaitable[Any]]) -> None:
        task = asyncio.create_task(_send(kind, chat_id, send))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self, timeout: float = 5) -> None:
        """Let notices under way finish for up to `timeout` seconds; cancel the rest."""
        self._closed = True
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


async def _send(kind: Notice, chat_id: int, send: Callable[[], Awaitable[Any]]) -> None:
    """A notice Telegram refuses is dropped with one line: it was a courtesy, not an answer."""
    try:
        await send()
    except TelegramRetryAfter as error:
        logger.warning(
            "chat={} {} notice dropped: flood limit ({}s)", chat_id, kind, error.retry_after
        )
    except TelegramAPIError as error:
        logger.warning("chat={} {} notice dropped: {}", chat_id, kind, error.message)


def _texts(event: Message | CallbackQuery) -> Texts:
    user = event.from_user
    return texts_for(user.language_code if user else None)
