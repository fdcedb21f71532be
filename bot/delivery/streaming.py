"""Showing an answer while it is generated: a native draft in private chats, edits in groups.

The user sees one coherent message, from its beginning: when the growing answer passes
Telegram's limit, its finished leading parts (all but the last: the splitting cuts them the
same however the text goes on) are committed at once as real messages, in order, through the
sender's own path (flood waits, formatting refusals), and the preview goes on with the rest.
In a group the preview message itself becomes the finished part (edited into it), so the
parts stay in order, and a new preview message follows. The final delivery then sends only
what was not committed (and mends a committed part whose final rendering differs, such as
Markdown closed later); a model failure deletes them all, leaving only its notice.

Flood limits slow a preview down; they never fail the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import Message, MessageEntity, ReplyParameters
from loguru import logger

from bot.delivery.pacer import deferrable
from bot.delivery.rendering import render
from bot.delivery.splitting import visible_parts

GROUP_EDIT_INTERVAL = 1.0  # Telegram's limit for one chat: about one edit a second

Part = tuple[str, list[MessageEntity]]


@dataclass(frozen=True, slots=True)
class Committed:
    """A finished part of the answer, already standing as message `message_id`."""

    message_id: int
    text: str
    entities: list[MessageEntity]


class Outbox(Protocol):
    """The sender's paths, so a committed part is sent exactly as the final answer would be."""

    async def post(
        self, chat_id: int, text: str, entities: list[MessageEntity], reply_to: int | None
    ) -> int | None:
        """The new message's id; None when it could not be sent."""
        ...

    async def replace(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        entities: list[MessageEntity],
        reply_to: int | None,
    ) -> int | None:
        """Message `message_id` made to say this (or sent anew, the old one deleted)."""
        ...


class Preview(ABC):
    """Throttled updates of a growing answer; `update` returns at once when it is too soon."""

    def __init__(
        self, bot: Bot, chat_id: int, interval: float, outbox: Outbox, reply_to: int | None
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._interval = interval
        self._outbox = outbox
        self._reply_to = reply_to
        self._next_at = 0.0
        self._shown = ""
        self._broken = False
        self.committed: list[Committed] = []
        self._committing: asyncio.Future[bool] | None = None
        # Set once the user sees any of the answer (a draft, a preview message, a finished
        # part): "typing…" ends on it, its renewals would be wasted Bot API calls.
        self.visible = asyncio.Event()

    async def update(self, markdown: str) -> None:
        now = time.monotonic()
        if self._broken or now < self._next_at or markdown == self._shown:
            return
        parts = visible_parts(*_rendered(markdown))
        if not parts:
            return
        if len(parts) - 1 > len(self.committed) and not await self._commit(parts[:-1]):
            self._broken = True  # the final delivery sends what is missing
            logger.warning("chat={} preview stopped: a finished part was not sent", self._chat_id)
            return
        text, entities = parts[-1]  # the part still growing, below the finished ones
        self._next_at = now + self._interval
        try:
            with deferrable():  # a preview yields to final answers (bot/delivery/pacer.py)
                await self._show(text, entities)
            self._shown = markdown
            self.visible.set()
        except TelegramRetryAfter as error:
            self._next_at = time.monotonic() + error.retry_after
            logger.info("chat={} preview slowed down for {}s", self._chat_id, error.retry_after)
        except TelegramAPIError as error:
            self._broken = True  # the final message still comes; only the preview stops
            logger.warning("chat={} preview stopped: {}", self._chat_id, error.message)

    async def settled(self) -> list[Committed]:
        """The parts committed, once a commit under way has ended (a stop cancels the
        generation mid-commit: the part may have been sent, and must not be sent twice)."""
        if self._committing is not None:
            with contextlib.suppress(Exception):
                await self._committing
        return self.committed

    @property
    def message_id(self) -> int | None:
        """The message the growing part lives in, for the final answer to take over."""
        return None

    @property
    def _quote(self) -> int | None:
        """Only the answer's first message quotes the user's."""
        return None if self.committed else self._reply_to

    async def _commit(self, finished: list[Part]) -> bool:
        self._committing = asyncio.ensure_future(self._commit_parts(finished))
        return await asyncio.shield(self._committing)

    async def _commit_parts(self, finished: list[Part]) -> bool:
        for text, entities in finished[len(self.committed) :]:
            message_id = await self._finish(text, entities)
            if message_id is None:
                return False
            self.committed.append(Committed(message_id, text, entities))
            self.visible.set()
        return True

    async def _finish(self, text: str, entities: list[MessageEntity]) -> int | None:
        """A finished part as a real message."""
        return await self._outbox.post(self._chat_id, text, entities, self._quote)

    @abstractmethod
    async def _show(self, text: str, entities: list[MessageEntity]) -> None: ...


class DraftPreview(Preview):
    """Bot API `sendMessageDraft`, with the button that lets the user stop the answer."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        interval: float,
        draft_id: int,
        outbox: Outbox,
        reply_to: int | None = None,
    ) -> None:
        super().__init__(bot, chat_id, interval, outbox, reply_to)
        self._draft_id = draft_id

    async def _show(self, text: str, entities: list[MessageEntity]) -> None:
        await self._bot.send_message_draft(
            chat_id=self._chat_id,
            draft_id=self._draft_id,
            text=text,
            entities=entities or None,
            can_stop=True,
        )


class EditPreview(Preview):
    """Groups have no drafts: one message, edited as the answer grows."""

    def __init__(
        self, bot: Bot, chat_id: int, interval: float, outbox: Outbox, reply_to: int | None
    ) -> None:
        super().__init__(bot, chat_id, max(interval, GROUP_EDIT_INTERVAL), outbox, reply_to)
        self._message: Message | None = None

    @property
    def message_id(self) -> int | None:
        return self._message.message_id if self._message is not None else None

    async def _finish(self, text: str, entities: list[MessageEntity]) -> int | None:
        """The preview message becomes the finished part; the next part gets a new one."""
        if self._message is None:
            return await super()._finish(text, entities)
        message_id, self._message = self._message.message_id, None
        return await self._outbox.replace(self._chat_id, message_id, text, entities, self._quote)

    async def _show(self, text: str, entities: list[MessageEntity]) -> None:
        if self._message is None:
            self._message = await self._bot.send_message(
                chat_id=self._chat_id,
                text=text,
                entities=entities or None,
                reply_parameters=reply_parameters(self._quote),
            )
            return
        await self._bot.edit_message_text(
            chat_id=self._chat_id,
            message_id=self._message.message_id,
            text=text,
            entities=entities or None,
        )


def reply_parameters(reply_to: int | None) -> ReplyParameters | None:
    """Quote the user's message, and still send if it was deleted meanwhile."""
    if reply_to is None:
        return None
    return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)


def _rendered(markdown: str) -> tuple[str, list[MessageEntity]]:
    rendered = render(markdown)
    return rendered.text, rendered.entities
