"""Sending a reply: split at Telegram's limit, flood waits honoured, every outcome named."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import MessageEntity
from loguru import logger

from bot.delivery.rendering import Rendered, render
from bot.delivery.splitting import visible_parts
from bot.delivery.streaming import (
    Committed,
    DraftPreview,
    EditPreview,
    Preview,
    reply_parameters,
)
from bot.delivery.typing_indicator import typing

T = TypeVar("T")


class Delivery(StrEnum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"


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

    def typing(
        self, chat_id: int, *, until: asyncio.Event | None = None
    ) -> AbstractAsyncContextManager[None]:
        """Shows "typing…" in the chat until the context ends or `until` is set (a streamed
        answer's `Preview.visible`: the user then reads the answer itself)."""
        return typing(self._bot, chat_id, until)

    async def deliver(
        self,
        chat_id: int,
        markdown: str,
        *,
        reply_to: int | None,
        preview: Preview | None = None,
    ) -> Delivery:
        """The model's Markdown, formatted, in as many parts as it takes, in order.

        The first part answers `reply_to` when given. With `preview` (the answer's streaming
        draft or group message), the parts it already committed stay
        (mended if their final text differs), its message takes the next part, and only the
        rest is sent. A part Telegram refuses for its formatting is sent again as plain text:
        a reply is never lost to formatting.
        """
        rendered = render(markdown)
        if not rendered.text.strip():  # nothing visible survived rendering: show the source
            rendered = Rendered(markdown, [])
        parts = visible_parts(rendered.text, rendered.entities)
        committed = await preview.settled() if preview is not None else []
        into = preview.message_id if preview is not None else None
        for done, (part, entities) in zip(committed, parts, strict=False):
            await self._mend(chat_id, done, part, entities)
        for index in range(len(committed), len(parts)):
            part, entities = parts[index]
            quote = reply_to if index == 0 else None
            if index == len(committed) and into is not None:
                posted = await self._replace(chat_id, into, part, entities, quote)
            else:
                posted = await self._send_formatted(chat_id, part, entities, quote)
            if posted.outcome is not Delivery.DELIVERED:
                if index:
                    logger.warning(
                        "chat={} reply cut short: {} of {} parts sent", chat_id, index, len(parts)
                    )
                return posted.outcome
        await self._drop([done.message_id for done in committed[len(parts) :]], chat_id)
        if into is not None and len(parts) <= len(committed):
            await self._drop([into], chat_id)
        return Delivery.DELIVERED

    async def notify(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        preview: Preview | None = None,
    ) -> Delivery:
        """A short service message (an error, a notice); failures are logged, never raised.

        With `preview` (an answer that failed half-way) the notice replaces the preview's first
        message, so no half answer is left standing beside it, and its other messages go; when
        the edit is refused the notice is sent anew and the old message deleted.
        """
        into: int | None = None
        if preview is not None:
            shown = [done.message_id for done in await preview.settled()]
            shown += [preview.message_id] if preview.message_id is not None else []
            into, rest = (shown[0], shown[1:]) if shown else (None, [])
            await self._drop(rest, chat_id)
        if into is None:
            return (await self._send(chat_id, text, reply_to)).outcome
        return (await self._replace(chat_id, into, text, [], reply_to)).outcome

    def preview(
        self, chat_id: int, *, private: bool, draft_id: int, reply_to: int | None
    ) -> Preview:
        """How this chat sees an answer grow: a draft in private chats, edits in groups."""
        if private:
            return DraftPreview(
                self._bot, chat_id, self._stream_interval, draft_id, self, reply_to
            )
        return EditPreview(self._bot, chat_id, self._stream_interval, self, reply_to)

    async def post(
        self, chat_id: int, text: str, entities: list[MessageEntity], reply_to: int | None
    ) -> int | None:
        """`Outbox.post` for previews: a finished part, sent as the final answer would be."""
        return (await self._send_formatted(chat_id, text, entities, reply_to)).message_id

    async def replace(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        entities: list[MessageEntity],
        reply_to: int | None,
    ) -> int | None:
        """`Outbox.replace` for previews: a preview message turned into a finished part."""
        return (await self._replace(chat_id, message_id, text, entities, reply_to)).message_id

    async def _replace(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        entities: list[MessageEntity],
        reply_to: int | None,
    ) -> _Posted:
        """Message `message_id` edited to say this; when the edit is refused (deleted, a long
        flood wait), sent anew and the old one deleted, so no stale text stays beside it."""
        if await self._edit(chat_id, message_id, text, entities):
            return _Posted(Delivery.DELIVERED, message_id)
        posted = await self._send_formatted(chat_id, text, entities, reply_to)
        if posted.outcome is Delivery.DELIVERED:
            await self._drop([message_id], chat_id)
        return posted

    async def _mend(
        self, chat_id: int, done: Committed, text: str, entities: list[MessageEntity]
    ) -> None:
        """A committed part whose final rendering differs (Markdown closed later) is edited."""
        if (done.text, done.entities) != (text, entities) and not await self._edit(
            chat_id, done.message_id, text, entities
        ):
            logger.warning("chat={} committed part {} not mended", chat_id, done.message_id)

    async def _drop(self, message_ids: list[int], chat_id: int) -> None:
        """Delete messages no longer part of the reply; one already gone is only logged."""
        for message_id in message_ids:
            delete = partial(self._bot.delete_message, chat_id=chat_id, message_id=message_id)
            try:
                await self._patiently(chat_id, delete)
            except TelegramAPIError as error:
                logger.info("chat={} message {} not deleted: {}", chat_id, message_id, error)

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

    async def _patiently(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Make the call, waiting out Telegram's flood limits; gives up by re-raising the last
        TelegramRetryAfter after `max_flood_waits` waits or one longer than `max_flood_wait`."""
        waits = 0
        while True:
            try:
                return await call()
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

    async def _send_formatted(
        self, chat_id: int, text: str, entities: list[MessageEntity], reply_to: int | None
    ) -> _Posted:
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
    ) -> _Posted:
        try:
            sent = await self._patiently(
                chat_id,
                lambda: self._bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    entities=entities,
                    reply_parameters=reply_parameters(reply_to),
                ),
            )
        except TelegramRetryAfter:
            return _Posted(Delivery.FAILED)
        except TelegramForbiddenError:
            logger.info("chat={} blocked the bot; reply dropped", chat_id)
            return _Posted(Delivery.BLOCKED)
        except TelegramAPIError as error:
            if raise_bad and isinstance(error, TelegramBadRequest):
                raise
            logger.error("chat={} send failed: {}", chat_id, error.message)
            return _Posted(Delivery.FAILED)
        return _Posted(Delivery.DELIVERED, sent.message_id)


@dataclass(frozen=True, slots=True)
class _Posted:
    """How sending went, and the message that now stands for it."""

    outcome: Delivery
    message_id: int | None = None
