"""Handlers' replies, sent in the background, in order per chat.

Updates are dispatched one at a time, and the pacer (bot/delivery/pacer.py) waits inside the
Bot session while a chat is over Telegram's limits: a reply awaited in a handler would hold
every other user behind one user's thirtieth /help. Here each chat's replies go out from a
task of their own, in the order the handlers gave them; a chat with more than `backlog`
replies waiting loses the newest, with one log line (it is flooding: the rate limit is off).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.exceptions import TelegramAPIError
from loguru import logger

Send = Callable[[], Awaitable[Any]]
BACKLOG = 50


class Outbox:
    def __init__(self, *, backlog: int = BACKLOG) -> None:
        self._backlog = backlog
        self._waiting: dict[int, deque[Send]] = {}
        self._senders: set[asyncio.Task[None]] = set()
        self._closed = False

    def send(self, chat_id: int, send: Send) -> None:
        """Start `send` after the chat's earlier replies; never waits."""
        if self._closed:
            return
        waiting = self._waiting.get(chat_id)
        if waiting is None:
            waiting = self._waiting[chat_id] = deque()
            task = asyncio.create_task(self._drain(chat_id, waiting), name=f"outbox:{chat_id}")
            self._senders.add(task)
            task.add_done_callback(self._senders.discard)
        if len(waiting) >= self._backlog:
            logger.warning("chat={} reply dropped: {} already waiting", chat_id, len(waiting))
            return
        waiting.append(send)

    @property
    def pending(self) -> int:
        return sum(len(w) for w in self._waiting.values())

    async def _drain(self, chat_id: int, waiting: deque[Send]) -> None:
        try:
            while waiting:
                send = waiting.popleft()
                try:
                    await send()
                except TelegramAPIError as error:  # a reply refused is logged, not retried
                    logger.warning("chat={} reply not sent: {}", chat_id, error.message)
                except Exception as error:  # in the background: logged, never lost silently
                    logger.opt(exception=error).error("chat={} reply failed", chat_id)
        finally:
            if self._waiting.get(chat_id) is waiting:
                del self._waiting[chat_id]

    async def aclose(self, timeout: float = 5) -> None:
        """Let the replies under way go out for up to `timeout` seconds; drop the rest."""
        self._closed = True
        if not self._senders:
            return
        _, late = await asyncio.wait(set(self._senders), timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
