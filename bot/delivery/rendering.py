"""Model Markdown to Telegram text + entities (no parse mode), through telegramify-markdown.

Entities instead of a parse mode mean there is nothing to escape, so an unbalanced `_` or a
stray `<` can never make Telegram refuse a reply.

Rendering runs on the event loop at every preview update and again at delivery, so its work
must stay linear in the answer's length whatever the model writes, or one answer freezes every
chat (docs/architecture.md, "What one user cannot do to the others"). Our own pass is one
linear scan (bot/delivery/markdown_prepass.py). The converter was measured superlinear on some
shapes and costly on others, none of which a real answer has; they are bounded below: LaTeX is
converted only in answers with few formulas and shallow braces, and an answer that is too
long, nested too deep, made of hundreds of fences, thousands of tiny lines, punctuation soup
or an entity every few characters is shown as plain text, as the model wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import telegramify_markdown
from aiogram.types import MessageEntity

from bot.delivery.markdown_prepass import escape_outside_code

MAX_RENDERED_CHARS = 32_768  # an answer is at most 4096 tokens; past this, plain text
MAX_FENCE_LINES = 200  # the converter's walker is quadratic in a run of empty code blocks
# Every line is a block or a break to the converter, a heading some 7 µs: lines of a few
# characters each, thousands of them, are no real answer.
LINE_ALLOWANCE, LINE_SPACING = 200, 8
# The converter's work is per piece of markup: prose that is mostly punctuation (outside code
# blocks, where it costs nothing) is a soup no model writes for a reader.
PUNCTUATION_ALLOWANCE, PUNCTUATION_SPACING = 200, 2
MAX_NESTING = 16  # container markers opening one line (quotes, list items)
MAX_MATH_DELIMITERS = 64  # `$`, `\(` and `\[`: more, and LaTeX stays as the model wrote it
MAX_BRACE_DEPTH = 8  # the LaTeX conversion is superlinear in nested braces
# After our escapes `||` is left only in code; where the converter sees code differently,
# its spoiler regex would read it, exponential in quote markers and line breaks in a row.
MAX_SPOILER_RUN = 4
# Each entity costs more than the converter's work on a few characters (ours to build it, the
# splitting's to clip it): more than one for every few characters is no real answer.
ENTITY_ALLOWANCE, ENTITY_SPACING = 50, 3

_TEMPLATE = MessageEntity(type="bold", offset=0, length=1)
_PLAIN_FIELDS = frozenset({"type", "offset", "length", "url", "language", "custom_emoji_id"})

_FENCE_LINE = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})", re.MULTILINE)
_CONTAINERS = re.compile(r"^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))+", re.MULTILINE)
_MARKER = re.compile(r">|[-+*]|\d{1,9}[.)]")
_BRACES = re.compile(r"[{}]")
_BLANK_RUN = re.compile(r"[ \t\r\n>]+")


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    entities: list[MessageEntity]


def render(markdown: str) -> Rendered:
    if _too_costly(markdown):
        return Rendered(markdown, [])
    math = _math_is_cheap(markdown)
    prepared = escape_outside_code(markdown, math=math)
    if prepared.punctuation > PUNCTUATION_ALLOWANCE + prepared.prose // PUNCTUATION_SPACING:
        return Rendered(markdown, [])
    if "||" in prepared.text and not _spoiler_safe(prepared.text):
        return Rendered(markdown, [])
    text, entities = telegramify_markdown.convert(prepared.text, latex_escape=math)
    if len(entities) > ENTITY_ALLOWANCE + len(markdown) // ENTITY_SPACING:
        return Rendered(markdown, [])
    return Rendered(text, [_entity(entity.to_dict()) for entity in entities])


def _entity(fields: dict[str, Any]) -> MessageEntity:
    """Copied from a template, as validating each one costs twice as much; a rare field (a
    mentioned user) is validated."""
    if fields.keys() <= _PLAIN_FIELDS:
        return _TEMPLATE.model_copy(update=fields)
    return MessageEntity(**fields)


def _too_costly(markdown: str) -> bool:
    """Shapes the converter handles in superlinear time, none of which a real answer has."""
    if len(markdown) > MAX_RENDERED_CHARS:
        return True
    if markdown.count("\n") > LINE_ALLOWANCE + len(markdown) // LINE_SPACING:
        return True
    if markdown.count("```") + markdown.count("~~~") > MAX_FENCE_LINES and (
        sum(1 for _ in _FENCE_LINE.finditer(markdown)) > MAX_FENCE_LINES
    ):
        return True
    return any(
        len(_MARKER.findall(prefix.group())) > MAX_NESTING
        for prefix in _CONTAINERS.finditer(markdown)
    )


def _math_is_cheap(markdown: str) -> bool:
    """Few formulas with shallow braces: their LaTeX conversion costs little."""
    delimiters = markdown.count("$") + markdown.count("\\(") + markdown.count("\\[")
    if delimiters > MAX_MATH_DELIMITERS:
        return False
    if delimiters == 0:
        return True
    depth = deepest = 0
    for brace in _BRACES.finditer(markdown):
        depth = depth + 1 if brace.group() == "{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest <= MAX_BRACE_DEPTH


def _spoiler_safe(prepared: str) -> bool:
    """No run of blanks and quote markers the spoiler regex could backtrack through long."""
    return all(
        run.group().count("\n") + run.group().count("\r") <= MAX_SPOILER_RUN
        and run.group().count(">") <= MAX_SPOILER_RUN
        for run in _BLANK_RUN.finditer(prepared)
    )
