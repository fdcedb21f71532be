"""Albums: Telegram sends each photo of an album as its own update, sharing a media_group_id.

They are gathered into one turn once the album has been quiet for `wait` seconds, in a task
of their own, so the dispatch loop never waits. Any other message of the chat sends a pending
album first (`AlbumsFirst`), so the chat's order stays Telegram's order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, TelegramObject
from loguru import logger

from bot.core.chat import ChatKey
from bot.core.turn import MediaRef
from bot.handlers.intake import Intake
from bot.handlers.keys import chat_key


@dataclass
class _Album:
    group_id: str
    first: Message
    bot: Bot
    refs: list[MediaRef] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None


class Albums:
    def __init__(self, intake: Intake, *, wait: float = 1.0) -> None:
        self._intake = intake
        self._wait = wait
        self._open: dict[ChatKey, _Album] = {}
        self._sending: dict[ChatKey, asyncio.Task[None]] = {}

    @property
    def idle(self) -> bool:
        return not self._open and not self._sending

    def pending(self, key: ChatKey) -> bool:
        return key in self._open or key in self._sending

    def collecting(self, key: ChatKey, group_id: str | None) -> bool:
        album = self._open.get(key)
        return album is not None and album.group_id == group_id

    async def add(self, key: ChatKey, message: Message, bot: Bot, ref: MediaRef) -> None:
        album = self._open.get(key)
        if album is not None and album.group_id != message.media_group_id:
            await self.flush(key)
            album = None
        if album is None:
            album = _Album(message.media_group_id or "", message, bot)
            self._open[key] = album
        album.refs.append(ref)
        if message.caption:
            album.captions.append(message.caption)
        if album.timer is not None:
            album.timer.cancel()
        album.timer = asyncio.create_task(self._when_quiet(key, album), name=f"album:{key.scope}")

    async def flush(self, key: ChatKey) -> None:
        """Send the chat's album now, or wait for the one being sent."""
        album = self._open.pop(key, None)
        if album is not None:
            if album.timer is not None:
                album.timer.cancel()
            await self._deliver(album)
        elif (sending := self._sending.get(key)) is not None:
            # however it ends, and never cancelled from here; a cancel of ours still raises
            await asyncio.wait({sending})

    async def flush_all(self) -> None:
        for key in list(self._open):
            await self.flush(key)

    async def _when_quiet(self, key: ChatKey, album: _Album) -> None:
        await asyncio.sleep(self._wait)
        if self._open.get(key) is not album:
            return
        del self._open[key]
        task = asyncio.current_task()
        assert task is not None
        self._sending[key] = task
        try:
            await self._deliver(album)
        finally:
            del self._sending[key]

    async def _deliver(self, album: _Album) -> None:
        refs, caption = tuple(album.refs), "\n".join(album.captions)
        try:
            # one turn, its state read now: the handler's is older than the album's wait
            await self._intake.take(album.first, album.bot, busy=None, media=refs, text=caption)
        except Exception as error:  # in the background: logged, never lost silently
            logger.opt(exception=error).error(
                "chat={} album of {} not accepted", album.first.chat.id, len(refs)
            )


class AlbumsFirst(BaseMiddleware):
    """A message of a chat with a pending album waits until the album is accepted."""

    def __init__(self, albums: Albums) -> None:
        self._albums = albums

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message) and not self._albums.idle:
            bot: Bot = data["bot"]
            key = chat_key(bot, event)
            if self._albums.pending(key) and not self._albums.collecting(
                key, event.media_group_id
            ):
                await self._albums.flush(key)
        return await handler(event, data)
