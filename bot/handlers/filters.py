"""Message filters as async `Filter`s.

aiogram runs a plain callable, a magic `F` filter included, through `asyncio.to_thread`: a
thread hop for every check of every update. These coroutine filters answer in the loop;
`just bench` measured what that bought (see docs/performance.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiogram import Bot
from aiogram.filters import Filter
from aiogram.types import Message


class HasText(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class TextIn(Filter):
    """The message is exactly one of `texts` (a keyboard button, in any language)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = frozenset(texts)

    async def __call__(self, message: Message) -> bool:
        return message.text in self._texts


class Slashed(Filter):
    """A cheap first look for the command routers: every other message skips their Command
    parsing. Text or caption, as aiogram's `Command` reads."""

    async def __call__(self, message: Message) -> bool:
        text = message.text or message.caption
        return text is not None and text.startswith("/")


class RepliesToUs(Filter):
    """A cheap first look for the router of replies to the bot's prompts: a message that
    replies to none of the bot's messages skips it with this one check."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        reply = message.reply_to_message
        return reply is not None and reply.from_user is not None and reply.from_user.id == bot.id


COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@(\w+))?(?:\s|$)")


def _command(text: str | None) -> re.Match[str] | None:
    return None if text is None else COMMAND.match(text)


async def _is_us(bot: Bot, mention: str) -> bool:
    """`bot.me()` asks Telegram once; aiogram keeps the answer."""
    username = (await bot.me()).username or ""
    return mention.lower() == username.lower()


class LooksLikeCommand(Filter):
    """`/word` or `/word@this_bot` at the start: a command for us, known to the bot or not."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        command = _command(message.text)
        if command is None:
            return False
        mention = command.group(1)
        return mention is None or await _is_us(bot, mention)


class ForAnotherBot(Filter):
    """`/word@other_bot`: in a group, a command addressed to another bot, not ours to answer."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        command = _command(message.text)
        mention = command.group(1) if command is not None else None
        return mention is not None and not await _is_us(bot, mention)


class ContentTypeIn(Filter):
    def __init__(self, content_types: Iterable[str]) -> None:
        self._types = frozenset(content_types)

    async def __call__(self, message: Message) -> bool:
        return message.content_type in self._types
