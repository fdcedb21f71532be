"""Splitting a reply into Telegram messages: nothing lost but the whitespace at the cuts.

Inside code (`pre` and `code` entities) whitespace is content, so a cut there keeps it: a
code block cut after `def f():` goes on with `    return x`, not `return x`. Such a cut is
made after a line break, so the next part starts at the beginning of a line.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from aiogram.types import MessageEntity

TELEGRAM_TEXT_LIMIT = 4096
CODE_ENTITIES = frozenset({"pre", "code"})

# Preferred cut points, best first: a paragraph break, a line break, any whitespace.
_SEPARATORS = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"\s+"))


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units: astral characters count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at the best boundary that fits."""
    return [text[start:end] for start, end in split_spans(text, limit)]


def split_entities(
    text: str, entities: list[MessageEntity], limit: int = TELEGRAM_TEXT_LIMIT
) -> list[tuple[str, list[MessageEntity]]]:
    """Like `split_text`, each part with the entities clipped to it, offsets made its own.

    An entity cut by a split (a code block, a bold run) ends in one part and starts again
    in the next, so every part is valid on its own.
    """
    units = _utf16_offsets(text)
    spans = split_spans(text, limit, kept=_code_characters(units, entities))
    if spans == [(0, len(text))]:  # the common case: one part, nothing to clip
        return [(text, list(entities))]
    if not spans:
        return []
    parts = []
    for start, end in spans:
        first, last = units[start], units[end]
        clipped = []
        for entity in entities:
            lo = max(entity.offset, first)
            hi = min(entity.offset + entity.length, last)
            if hi <= lo:
                continue
            if (lo - first, hi - lo) == (entity.offset, entity.length):
                clipped.append(entity)  # neither moved nor cut: the same one serves
            else:
                clipped.append(replace_entity(entity, offset=lo - first, length=hi - lo))
        parts.append((text[start:end], clipped))
    return parts


def visible_parts(
    text: str, entities: list[MessageEntity], limit: int = TELEGRAM_TEXT_LIMIT
) -> list[tuple[str, list[MessageEntity]]]:
    """The parts to send: one made only of whitespace (a long run of spaces inside code, kept
    by the splitting) shows nothing, and Telegram refuses it as an empty message."""
    return [part for part in split_entities(text, entities, limit) if part[0].strip()]


def replace_entity(entity: MessageEntity, *, offset: int, length: int) -> MessageEntity:
    return entity.model_copy(update={"offset": offset, "length": length})


def split_spans(
    text: str, limit: int = TELEGRAM_TEXT_LIMIT, *, kept: Sequence[bool] = ()
) -> list[tuple[int, int]]:
    """Where each part lies in `text`: start and end indices, whitespace at the cuts excluded
    but where `kept[index]` is true (inside code): there whitespace is content."""
    if limit < 2:
        raise ValueError("limit must be at least 2 so that any character fits")
    droppable = [char.isspace() and not (kept and kept[i]) for i, char in enumerate(text)]
    spans: list[tuple[int, int]] = []
    stop = _trim_end(droppable, 0, len(text))
    start = _skip_space(droppable, 0, stop)
    while start < stop:
        if stop - start <= limit and utf16_len(text[start:stop]) <= limit:
            spans.append((start, stop))
            break
        chunk = text[start : start + limit + 1]  # a separator may start right after the fit
        cut = start + _best_cut(chunk, _fitting_prefix(chunk, limit))
        spans.append((start, _trim_end(droppable, start, cut)))
        start = _skip_space(droppable, cut, stop)
    return spans


def _skip_space(droppable: list[bool], index: int, stop: int) -> int:
    while index < stop and droppable[index]:
        index += 1
    return index


def _trim_end(droppable: list[bool], start: int, end: int) -> int:
    while end > start and droppable[end - 1]:
        end -= 1
    return end


def _code_characters(units: list[int], entities: list[MessageEntity]) -> list[bool]:
    """For each character (by its UTF-16 offset in `units`), whether code covers it."""
    inside = [False] * (len(units) - 1)
    for entity in entities:
        if entity.type in CODE_ENTITIES:
            first = bisect_left(units, entity.offset)
            last = bisect_left(units, entity.offset + entity.length)
            inside[first:last] = [True] * (last - first)
    return inside


def _utf16_offsets(text: str) -> list[int]:
    """UTF-16 offset of every character index, and of the end."""
    offsets = [0] * (len(text) + 1)
    total = 0
    for index, char in enumerate(text):
        offsets[index] = total
        total += 2 if ord(char) > 0xFFFF else 1
    offsets[len(text)] = total
    return offsets


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    # A character is one or two units, so the answer lies between limit // 2 and limit.
    end = min(len(text), limit)
    units = utf16_len(text[:end])
    while units > limit:
        end -= 1
        units -= 2 if ord(text[end]) > 0xFFFF else 1
    return end


def _best_cut(chunk: str, window: int) -> int:
    """Where the part ends: at the last preferred separator inside the window after some text,
    else a hard cut at the window's end (always between characters, never inside one).

    The cut falls after the separator's last line break (or after it all): whitespace a cut
    may drop is trimmed by the caller, and inside code the next part starts a line.
    """
    head = chunk[: window + 1]
    for separator in _SEPARATORS:
        last = None
        for match in separator.finditer(head, 1):
            last = match
        if last is not None and head[: last.start()].strip():
            line_break = last.group().rfind("\n")
            end = last.start() + line_break + 1 if line_break >= 0 else last.end()
            return min(end, window)
    return window
