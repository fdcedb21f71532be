"""The 👀 on a message that waits its turn: set when it is queued, cleared when it starts.

Both calls run in the background, so a busy chat's messages never wait on Telegram in the
one dispatch loop; a clear waits for the same message's set, so it cannot overtake it. A
reaction is a courtesy: a refusal (reactions off in a group, a flood wait) is one log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ReactionTypeCustomEmoji, ReactionTypeEmoji, ReactionTypePaid
from loguru import logger

QUEUED = "👀"
_Reaction = ReactionTypeEmoji | ReactionTypeCustomEmoji | ReactionTypePaid


class Reactions:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._setting: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def acknowledge(self, chat_id: int, message_id: int) -> None:
        """Mark a queued message; returns at once."""
        key = (chat_id, message_id)
        task = self._spawn(self._set(chat_id, message_id, [ReactionTypeEmoji(emoji=QUEUED)]))
        self._setting[key] = task
        task.add_done_callback(lambda _: self._setting.pop(key, None))

    def clear(self, chat_ids_and_messages: Iterable[tuple[int, int]]) -> None:
        """Take the mark away (its answer starts, or it was dropped); returns at once."""
        for chat_id, message_id in chat_ids_and_messages:
            self._spawn(self._clear(chat_id, message_id, self._setting.get((chat_id, message_id))))

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let the calls under way finish, briefly; the rest is dropped."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in self._tasks:
            task.cancel()

    def _spawn(self, call: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(call)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _clear(
        self, chat_id: int, message_id: int, setting: asyncio.Task[None] | None
    ) -> None:
        if setting is not None:
            await asyncio.wait([setting])
        await self._set(chat_id, message_id, [])

    async def _set(self, chat_id: int, message_id: int, reaction: list[_Reaction]) -> None:
        try:
            await self._bot.set_message_reaction(
                chat_id=chat_id, message_id=message_id, reaction=reaction
            )
        except TelegramAPIError as error:
            logger.info("chat={} msg={} reaction not set: {}", chat_id, message_id, error.message)
