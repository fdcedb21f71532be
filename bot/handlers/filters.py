"""Message filters as async `Filter`s.

aiogram runs a plain callable, a magic `F` filter included, through `asyncio.to_thread`: a
thread hop for every check of every update. These coroutine filters answer in the loop;
`just bench` measured what that bought (see the README's Performance section).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


class LooksLikeCommand(Filter):
    """`/word` or `/word@bot` at the start: a command, known to the bot or not."""

    _pattern = re.compile(r"/[A-Za-z0-9_]+(@\w+)?(\s|$)")

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and self._pattern.match(message.text) is not None


class ContentTypeIn(Filter):
    def __init__(self, content_types: Iterable[str]) -> None:
        self._types = frozenset(content_types)

    async def __call__(self, message: Message) -> bool:
        return message.content_type in self._types
