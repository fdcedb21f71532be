"""Model Markdown to Telegram text + entities (no parse mode), through telegramify-markdown.

Entities instead of a parse mode mean there is nothing to escape, so an unbalanced `_` or a
stray `<` can never make Telegram refuse a reply.

Rendering runs on the event loop at every preview update and again at delivery, so its work
must stay linear in the answer's length whatever the model writes, or one answer freezes every
chat (docs/architecture.md, "What one user cannot do to the others"). Our own pass, before the
converter, is one linear scan (`escape_outside_code`, below). The converter was measured
superlinear on some shapes and costly on others, none of which a real answer has; they are
bounded below: LaTeX is converted only in answers with few formulas and shallow braces, and an
answer that is too long, nested too deep, made of hundreds of fences, thousands of tiny lines,
punctuation soup or an entity every few characters is shown as plain text, as the model wrote
it.

The pre-pass: what the converter must read as text is escaped outside code. The converter
drops raw HTML, so a `<` in prose is escaped or the model's words about markup vanish. Runs of
`|` are escaped too: the converter reads `||…||` as a spoiler, which ate the words between two
`a || b` in prose, and its regex for a spoiler's edges takes exponential time on some answers.
Single `~` and runs of three or more are escaped (the converter reads only `~~` as
strikethrough, and re-parses the whole answer for each single one it finds), and `$` when math
is off. Code is found as CommonMark finds it, within a line: a fenced block (also in a quote or
a list item), and a code span, a backtick string closed by the next one of the same length.
Every step is linear in the answer's length: the old regex for code spans backtracked on runs
of backticks, about N^3/6 steps.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

import telegramify_markdown
from aiogram.types import MessageEntity

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

# The pre-pass. A fence opens a line, after any quote markers, indentation and one list marker.
_FENCE = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})([^\r\n]*)")
_CLOSING = re.compile(r"[ \t>]*(`{3,}|~{3,})[ \t]*(?:\r\n?|\n)?")
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_BACKTICKS = re.compile(r"`+")
_TEXT = re.compile(r"\\[\s\S]|<|\|{2,}|~+")
_TEXT_AND_DOLLARS = re.compile(r"\\[\s\S]|<|\|{2,}|~+|\$")
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """The text for the converter, and how much of it outside code blocks is punctuation:
    the converter's work grows with the markup it reads, not with the characters."""

    text: str
    prose: int  # characters outside fenced code blocks
    punctuation: int  # of them, ASCII punctuation


def escape_outside_code(markdown: str, *, math: bool = True) -> Prepared:
    """`markdown` with what the converter must not read as markup escaped, code untouched."""
    special = _TEXT if math else _TEXT_AND_DOLLARS
    out: list[str] = []
    fence: str | None = None
    prose = punctuation = 0
    for match in _LINES.finditer(markdown):
        line = match.group()
        if fence is not None:
            closing = _CLOSING.fullmatch(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = opening.group(1)
            out.append(line)
            continue
        prose += len(line)
        punctuation += len(line) - len(line.translate(_NO_PUNCTUATION))
        out.append(_escape_line(line, special))
    return Prepared("".join(out), prose, punctuation)


def _escape_line(line: str, special: re.Pattern[str]) -> str:
    if not any(char in line for char in "<|~$"):
        return line
    pieces: list[str] = []
    position = 0
    for start, end in code_spans(line):
        pieces.append(special.sub(_escaped, line[position:start]))
        pieces.append(line[start:end])
        position = end
    pieces.append(special.sub(_escaped, line[position:]))
    return "".join(pieces)


def _escaped(match: re.Match[str]) -> str:
    token = match.group()
    if token[0] == "\\" or token == "~~":  # escaped already, or strikethrough
        return token
    return "".join("\\" + char for char in token)


def code_spans(line: str) -> list[tuple[int, int]]:
    """Where the line's code spans lie (start and end indices, backticks included).

    An opening backtick string is closed by the next one of exactly its length, else it is
    text and the scan goes on after it; a backslash before it escapes its first backtick.
    Each string is looked at once: the next string of each length is known beforehand.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    if len(runs) < 2:
        return []
    later: dict[int, int] = {}
    closer_of: list[tuple[int | None, int | None]] = [(None, None)] * len(runs)
    for index in range(len(runs) - 1, -1, -1):
        start, end = runs[index]
        closer_of[index] = (later.get(end - start), later.get(end - start - 1))
        later[end - start] = index
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        escaped = _backslashes_before(line, start) % 2 == 1
        closer = closer_of[index][1 if escaped else 0]
        if closer is None or (escaped and end - start == 1):
            index += 1
            continue
        spans.append((start + escaped, runs[closer][1]))
        index = closer + 1
    return spans


def _backslashes_before(line: str, index: int) -> int:
    """Counted back from `index`: a run of backslashes precedes at most one backtick string."""
    count = 0
    while index - count > 0 and line[index - count - 1] == "\\":
        count += 1
    return count
