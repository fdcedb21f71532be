"""What the converter must read as text, escaped outside code, in one linear scan.

The converter (telegramify-markdown) drops raw HTML, so a `<` in prose is escaped or the
model's words about markup vanish. Runs of `|` are escaped too: the converter reads `||…||` as
a spoiler, which ate the words between two `a || b` in prose, and its regex for a spoiler's
edges takes exponential time on some answers. Single `~` and runs of three or more are escaped
(the converter reads only `~~` as strikethrough, and re-parses the whole answer for each
single one it finds), and `$` when math is off (bot/delivery/rendering.py).

Code is found as CommonMark finds it, within a line: a fenced block (also in a quote or a list
item), and a code span, a backtick string closed by the next one of the same length. Every
step is linear in the answer's length: the old regex for code spans backtracked on runs of
backticks, about N^3/6 steps (docs/architecture.md, "What one user cannot do to the others").
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

# A fence opens a line, after any quote markers, indentation and one list marker.
_FENCE = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})([^\r\n]*)")
_CLOSING = re.compile(r"[ \t>]*(`{3,}|~{3,})[ \t]*(?:\r\n?|\n)?")
_LINES = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_BACKTICKS = re.compile(r"`+")
_TEXT = re.compile(r"\\[\s\S]|<|\|{2,}|~+")
_TEXT_AND_DOLLARS = re.compile(r"\\[\s\S]|<|\|{2,}|~+|\$")
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


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
