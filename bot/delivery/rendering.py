"""Model Markdown to Telegram text + entities (no parse mode), through telegramify-markdown.

Entities instead of a parse mode mean there is nothing to escape, so an unbalanced `_` or a
stray `<` can never make Telegram refuse a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import telegramify_markdown
from aiogram.types import MessageEntity

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CODE_SPAN_OR_TAG_START = re.compile(r"(`+).*?(?<!`)\1(?!`)|<")


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    entities: list[MessageEntity]


def render(markdown: str) -> Rendered:
    text, entities = telegramify_markdown.convert(_literal_angle_brackets(markdown))
    return Rendered(
        text=text,
        entities=[MessageEntity(**entity.to_dict()) for entity in entities],
    )


def _literal_angle_brackets(markdown: str) -> str:
    """Escape `<` outside code, so `<div>` in prose stays text instead of vanishing as HTML.

    The converter drops raw HTML, which would silently eat a model's words about markup.
    """
    lines = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            lines.append(line)
        elif opening:
            fence = opening.group(1)
            lines.append(line)
        else:
            lines.append(_CODE_SPAN_OR_TAG_START.sub(_escape_tag_start, line))
    return "".join(lines)


def _escape_tag_start(match: re.Match[str]) -> str:
    return "\\<" if match.group(0) == "<" else match.group(0)
