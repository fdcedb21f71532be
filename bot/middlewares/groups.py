"""In a group the bot speaks when spoken to: a mention, a reply to it, or a command for it.

Everything else in a group is dropped here, before the allow-list and the rate limit: no
reply, no model call, nothing stored. Privacy mode on or off, the rule is the same. An
addressed message goes on with the mention taken out of its text and, when it replies to
someone else's message, that message quoted above it (docs/architecture.md, "Groups").
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType, MessageEntityType
from aiogram.types import Message, TelegramObject, User
from loguru import logger

from bot.handlers.filters import COMMAND

GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


def mentions(message: Message, username: str) -> bool:
    """A `mention` entity naming the bot (Telegram marks every @username it sees)."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or []
    wanted = f"@{username}".lower()
    return any(
        e.type == MessageEntityType.MENTION and e.extract_from(text).lower() == wanted
        for e in entities
    )


def replies_to(message: Message, me: User) -> bool:
    reply = message.reply_to_message
    return reply is not None and reply.from_user is not None and reply.from_user.id == me.id


def is_command(message: Message) -> bool:
    """`/cmd` or `/cmd@bot`; one for another bot was already dropped (addressed.py)."""
    return message.text is not None and COMMAND.match(message.text) is not None


def prompt_text(message: Message, me: User) -> str | None:
    """The text the model should read: the mention out, a quoted message in; None: as is."""
    if message.text is None or is_command(message):
        return None
    pattern = re.compile(rf"@{re.escape(me.username or '')}\b", re.IGNORECASE)
    text = re.sub(r"[ \t]{2,}", " ", pattern.sub("", message.text)).strip()
    reply = message.reply_to_message
    quoted = (reply.text or reply.caption or "") if reply and not replies_to(message, me) else ""
    if quoted:
        author = reply.from_user.full_name if reply and reply.from_user else ""
        lines = "\n".join(f"> {line}" for line in quoted.splitlines())
        text = f"{author}:\n{lines}\n\n{text}".strip() if author else f"{lines}\n\n{text}"
    if not text or text == message.text:
        return None
    return text


class AddressedInGroups(BaseMiddleware):
    """Outer message middleware, after NotForOtherBots; it suspends only for the first getMe."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Message) or event.chat.type not in GROUPS:
            return await handler(event, data)
        bot: Bot = data["bot"]
        me = await bot.me()
        if not (is_command(event) or replies_to(event, me) or mentions(event, me.username or "")):
            logger.debug("chat={} group message not addressed to the bot; ignored", event.chat.id)
            return None
        text = prompt_text(event, me)
        if text is not None:  # entities no longer match the text: the handlers need none
            event = event.model_copy(update={"text": text, "entities": None})
        return await handler(event, data)
