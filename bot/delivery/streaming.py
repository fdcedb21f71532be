"""Showing an answer while it is generated: a native draft in private chats, edits in groups.

Both only preview: the finished answer is then delivered as normal message(s). Flood limits
slow a preview down; they never fail the turn.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import Message, MessageEntity, ReplyParameters
from loguru import logger

from bot.delivery.rendering import render
from bot.delivery.splitting import split_entities

GROUP_EDIT_INTERVAL = 1.0  # Telegram's limit for one chat: about one edit a second


class Preview(ABC):
    """Throttled updates of a growing answer; `update` returns at once when it is too soon."""

    def __init__(self, bot: Bot, chat_id: int, interval: float) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._interval = interval
        self._next_at = 0.0
        self._shown = ""
        self._broken = False

    async def update(self, markdown: str) -> None:
        now = time.monotonic()
        if self._broken or now < self._next_at or markdown == self._shown:
            return
        parts = split_entities(*_rendered(markdown))
        if not parts:
            return
        text, entities = parts[-1]  # the newest part is what the user is waiting for
        self._next_at = now + self._interval
        try:
            await self._show(text, entities)
            self._shown = markdown
        except TelegramRetryAfter as error:
            self._next_at = time.monotonic() + error.retry_after
            logger.info("chat={} preview slowed down for {}s", self._chat_id, error.retry_after)
        except TelegramAPIError as error:
            self._broken = True  # the final message still comes; only the preview stops
            logger.warning("chat={} preview stopped: {}", self._chat_id, error.message)

    @property
    def message_id(self) -> int | None:
        """The message the preview lives in, for the final answer to take over."""
        return None

    @abstractmethod
    async def _show(self, text: str, entities: list[MessageEntity]) -> None: ...


class DraftPreview(Preview):
    """Bot API `sendMessageDraft`, with the button that lets the user stop the answer."""

    def __init__(self, bot: Bot, chat_id: int, interval: float, draft_id: int) -> None:
        super().__init__(bot, chat_id, interval)
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

    def __init__(self, bot: Bot, chat_id: int, interval: float, reply_to: int | None) -> None:
        super().__init__(bot, chat_id, max(interval, GROUP_EDIT_INTERVAL))
        self._reply_to = reply_to
        self._message: Message | None = None

    @property
    def message_id(self) -> int | None:
        return self._message.message_id if self._message is not None else None

    async def _show(self, text: str, entities: list[MessageEntity]) -> None:
        if self._message is None:
            self._message = await self._bot.send_message(
                chat_id=self._chat_id,
                text=text,
                entities=entities or None,
                reply_parameters=reply_parameters(self._reply_to),
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
