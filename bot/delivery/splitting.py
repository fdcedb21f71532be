"""Splitting a reply into Telegram messages: nothing lost but the whitespace at the cuts."""

from __future__ import annotations

import re

from aiogram.types import MessageEntity

TELEGRAM_TEXT_LIMIT = 4096

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
    spans = split_spans(text, limit)
    if spans == [(0, len(text))]:  # the common case: one part, nothing to clip
        return [(text, list(entities))]
    if not spans:
        return []
    units = _utf16_offsets(text)
    parts = []
    for start, end in spans:
        first, last = units[start], units[end]
        clipped = []
        for entity in entities:
            lo = max(entity.offset, first)
            hi = min(entity.offset + entity.length, last)
            if hi > lo:
                clipped.append(replace_entity(entity, offset=lo - first, length=hi - lo))
        parts.append((text[start:end], clipped))
    return parts


def replace_entity(entity: MessageEntity, *, offset: int, length: int) -> MessageEntity:
    return entity.model_copy(update={"offset": offset, "length": length})


def split_spans(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[tuple[int, int]]:
    """Where each part lies in `text`: start and end indices, whitespace at the cuts excluded."""
    if limit < 2:
        raise ValueError("limit must be at least 2 so that any character fits")
    spans: list[tuple[int, int]] = []
    stop = len(text.rstrip())
    start = _skip_space(text, 0, stop)
    while start < stop:
        if stop - start <= limit and utf16_len(text[start:stop]) <= limit:
            spans.append((start, stop))
            break
        chunk = text[start : start + limit + 1]  # a separator may start right after the fit
        window = _fitting_prefix(chunk, limit)
        cut = _best_cut(chunk, window)
        spans.append((start, start + len(chunk[:cut].rstrip())))
        start = _skip_space(text, start + cut, stop)
    return spans


def _skip_space(text: str, index: int, stop: int) -> int:
    while index < stop and text[index].isspace():
        index += 1
    return index


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
    """Where the part ends: the last preferred separator inside the window after some text,
    else a hard cut at the window's end (always between characters, never inside one)."""
    head = chunk[: window + 1]
    for separator in _SEPARATORS:
        last = None
        for match in separator.finditer(head, 1):
            last = match
        if last is not None and head[: last.start()].strip():
            return last.start()
    return window
