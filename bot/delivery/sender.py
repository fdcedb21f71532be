"""Sending a reply: split at Telegram's limit, flood waits honoured, every outcome named."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import MessageEntity
from aiogram.utils.chat_action import ChatActionSender
from loguru import logger

from bot.delivery.rendering import Rendered, render
from bot.delivery.splitting import split_entities
from bot.delivery.streaming import DraftPreview, EditPreview, Preview, reply_parameters


class Delivery(StrEnum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"


class _TypingSender(ChatActionSender):
    """aiogram's typing loop, its end logged: Telegram refusing the action (403 where the bot
    may not act, a flood limit) must not leave a task exception nobody retrieves."""

    async def _worker(self) -> None:
        try:
            await super()._worker()
        except TelegramAPIError as error:
            logger.info("chat={} typing indicator stopped: {}", self.chat_id, error.message)


class ReplySender:
    """The only place that talks to Telegram on behalf of a conversation."""

    def __init__(
        self,
        bot: Bot,
        *,
        stream_interval: float = 0.5,
        max_flood_waits: int = 5,
        max_flood_wait: float = 60.0,
    ) -> None:
        self._bot = bot
        self._stream_interval = stream_interval
        self._max_flood_waits = max_flood_waits
        self._max_flood_wait = max_flood_wait

    def typing(self, chat_id: int) -> AbstractAsyncContextManager[ChatActionSender]:
        """Shows "typing…" in the chat until the context ends, renewed as Telegram expects."""
        return _TypingSender.typing(chat_id=chat_id, bot=self._bot)

    async def deliver(
        self, chat_id: int, markdown: str, *, reply_to: int | None, into: int | None = None
    ) -> Delivery:
        """The model's Markdown, formatted, in as many parts as it takes, in order.

        The first part answers `reply_to` when given, or replaces the text of message `into`
        (a streaming preview in a group). A part Telegram refuses for its formatting is sent
        again as plain text: a reply is never lost to formatting.
        """
        rendered = render(markdown)
        if not rendered.text.strip():  # nothing visible survived rendering: show the source
            rendered = Rendered(markdown, [])
        parts = visible_parts(rendered)
        for index, (part, entities) in enumerate(parts):
            if index == 0 and into is not None and await self._edit(chat_id, into, part, entities):
                continue
            outcome = await self._send_formatted(
                chat_id, part, entities, reply_to if index == 0 else None
            )
            if outcome is not Delivery.DELIVERED:
                if index:
                    logger.warning(
                        "chat={} reply cut short: {} of {} parts sent", chat_id, index, len(parts)
                    )
                return outcome
        return Delivery.DELIVERED

    async def notify(
        self, chat_id: int, text: str, *, reply_to: int | None = None, into: int | None = None
    ) -> Delivery:
        """A short service message (an error, a notice); failures are logged, never raised.

        With `into` (a group's preview of an answer that failed half-way) the notice replaces
        that message's text, so no half answer is left standing beside it.
        """
        if into is not None and await self._edit(chat_id, into, text, []):
            return Delivery.DELIVERED
        return await self._send(chat_id, text, reply_to)

    def preview(
        self, chat_id: int, *, private: bool, draft_id: int, reply_to: int | None
    ) -> Preview:
        """How this chat sees an answer grow: a draft in private chats, edits in groups."""
        if private:
            return DraftPreview(self._bot, chat_id, self._stream_interval, draft_id)
        return EditPreview(self._bot, chat_id, self._stream_interval, reply_to)

    async def _edit(
        self, chat_id: int, message_id: int, text: str, entities: list[MessageEntity]
    ) -> bool:
        """Turn the preview message into the answer's first part; False to send it anew."""
        try:
            await self._patiently(
                chat_id,
                lambda: self._bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=text, entities=entities or None
                ),
            )
        except TelegramRetryAfter:
            return False
        except TelegramBadRequest as error:
            return "not modified" in error.message
        except TelegramAPIError as error:
            logger.warning("chat={} final edit failed: {}", chat_id, error.message)
            return False
        return True

    async def _patiently(self, chat_id: int, call: Callable[[], Awaitable[object]]) -> None:
        """Make the call, waiting out Telegram's flood limits; gives up by re-raising the last
        TelegramRetryAfter after `max_flood_waits` waits or one longer than `max_flood_wait`."""
        waits = 0
        while True:
            try:
                await call()
            except TelegramRetryAfter as error:
                waits += 1
                if waits > self._max_flood_waits or error.retry_after > self._max_flood_wait:
                    logger.error(
                        "chat={} gave up after {} flood waits (retry_after={}s)",
                        chat_id,
                        waits - 1,
                        error.retry_after,
                    )
                    raise
                logger.warning(
                    "chat={} flood limit: waiting {}s before trying again",
                    chat_id,
                    error.retry_after,
                )
                await asyncio.sleep(error.retry_after)
            else:
                return

    async def _send_formatted(
        self, chat_id: int, text: str, entities: list[MessageEntity], reply_to: int | None
    ) -> Delivery:
        if not entities:
            return await self._send(chat_id, text, reply_to)
        try:
            return await self._send(chat_id, text, reply_to, entities=entities, raise_bad=True)
        except TelegramBadRequest as error:
            logger.warning(
                "chat={} formatting refused ({}); sending plain", chat_id, error.message
            )
            return await self._send(chat_id, text, reply_to)

    async def _send(
        self,
        chat_id: int,
        text: str,
        reply_to: int | None,
        *,
        entities: list[MessageEntity] | None = None,
        raise_bad: bool = False,
    ) -> Delivery:
        try:
            await self._patiently(
                chat_id,
                lambda: self._bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    entities=entities,
                    reply_parameters=reply_parameters(reply_to),
                ),
            )
        except TelegramRetryAfter:
            return Delivery.FAILED
        except TelegramForbiddenError:
            logger.info("chat={} blocked the bot; reply dropped", chat_id)
            return Delivery.BLOCKED
        except TelegramAPIError as error:
            if raise_bad and isinstance(error, TelegramBadRequest):
                raise
            logger.error("chat={} send failed: {}", chat_id, error.message)
            return Delivery.FAILED
        return Delivery.DELIVERED


def visible_parts(rendered: Rendered) -> list[tuple[str, list[MessageEntity]]]:
    """The parts to send: one made only of whitespace (a long run of spaces inside code, kept
    by the splitting) shows nothing, and Telegram refuses it as an empty message."""
    return [part for part in split_entities(rendered.text, rendered.entities) if part[0].strip()]
