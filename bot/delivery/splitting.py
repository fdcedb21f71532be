"""Splitting plain text into Telegram messages without losing anything but whitespace at cuts."""

from __future__ import annotations

import re

TELEGRAM_TEXT_LIMIT = 4096

# Preferred cut points, best first: a paragraph break, a line break, any whitespace.
_SEPARATORS = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"\s+"))


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units: astral characters count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at the best boundary that fits."""
    if limit < 2:
        raise ValueError("limit must be at least 2 so that any character fits")
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit and utf16_len(rest) <= limit:
            parts.append(rest)
            break
        window = _fitting_prefix(rest, limit)
        cut, resume = _best_cut(rest, window)
        parts.append(rest[:cut].rstrip())
        rest = rest[resume:].lstrip()
    return parts


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (text is longer than that)."""
    # A character is one or two units, so the answer lies between limit // 2 and limit.
    end = min(len(text), limit)
    units = utf16_len(text[:end])
    while units > limit:
        end -= 1
        units -= 2 if ord(text[end]) > 0xFFFF else 1
    return end


def _best_cut(text: str, window: int) -> tuple[int, int]:
    """Where the part ends and the next begins; the whitespace between them is dropped.

    A separator counts when it starts inside the window after some text; if none does, the
    part is cut hard at the window's end (always at a character, never inside one).
    """
    head = text[: window + 1]  # a separator may start right at the window's end
    for separator in _SEPARATORS:
        last = None
        for match in separator.finditer(head, 1):
            if match.start() <= window:
                last = match
        if last is not None and text[: last.start()].strip():
            end = last.start()
            resume = separator.match(text, end)
            assert resume is not None
            return end, resume.end()
    return window, window
