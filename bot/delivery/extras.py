"""What goes with an answer: a reasoning model's thinking, collapsed, and web sources."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.enums import MessageEntityType
from aiogram.types import MessageEntity

from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.llm.port import Source

MAX_SOURCES = 5


def collapsed(title: str, reasoning: str) -> tuple[str, list[MessageEntity]]:
    """The title, then the thinking as an expandable blockquote, cut to fit one message."""
    body = reasoning.strip()
    room = TELEGRAM_TEXT_LIMIT - utf16_len(title) - 2
    if utf16_len(body) > room:
        while utf16_len(body) > room - 1:
            body = body[: len(body) - max(1, (utf16_len(body) - room) // 2)]
        body = body.rstrip() + "…"
    text = f"{title}\n{body}"
    quote = MessageEntity(
        type=MessageEntityType.EXPANDABLE_BLOCKQUOTE,
        offset=utf16_len(title) + 1,
        length=utf16_len(body),
    )
    return text, [quote]


def with_sources(answer: str, heading: str, sources: Sequence[Source]) -> str:
    """The answer's Markdown, ending with its sources as numbered links (no duplicates)."""
    seen: dict[str, str] = {}
    for source in sources:
        if source.url and source.url not in seen:
            seen[source.url] = source.title or source.url
    if not seen:
        return answer
    links = [
        f"{n}. [{_plain(title)}]({url})"
        for n, (url, title) in enumerate(list(seen.items())[:MAX_SOURCES], 1)
    ]
    return f"{answer}\n\n**{heading}**\n" + "\n".join(links)


def _plain(title: str) -> str:
    """A title inside a Markdown link's brackets: no brackets of its own."""
    return title.replace("[", "(").replace("]", ")").replace("\n", " ").strip()
