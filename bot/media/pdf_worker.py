"""A PDF's text layer, read in a process of its own (bot/media/pdf.py starts it).

A PDF can make a parser work for minutes (pypdf: about 13 s on one page of 20 KB), so it is
read where it can be killed: the bot gives this process PDF_TIMEOUT, and kills it after that,
or when the turn is cancelled. It runs as a script in isolated mode and imports nothing of the
bot. The PDF comes on stdin; the text goes out as it is read, one JSON object a line:
`{"pages": n}` once opened, `{"text": "..."}` for each page read (a page that fails is
skipped as `{"failed": "<error type>"}`), then `{"done": true}`; or `{"error": "..."}` when the
file cannot be opened at all. What was read before a kill is the bot's to use.
"""

from __future__ import annotations

import io
import json
import sys
from itertools import islice
from typing import Any

MEMORY_LIMIT = 1024 * 1024 * 1024  # of address space: a compression bomb fails, not the host


def main(argv: list[str]) -> int:
    """argv: the characters to read at most, the pages to read at most."""
    max_chars, max_pages = int(argv[1]), int(argv[2])
    _limit_memory()
    raw = sys.stdin.buffer.read()
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            _emit(error="encrypted")
            return 0
        pages = reader.pages
        _emit(pages=len(pages))
    except Exception as error:  # whatever a damaged file makes the parser raise
        _emit(error=type(error).__name__)
        return 0
    size = 0
    for page in islice(pages, max_pages):
        try:
            text = (page.extract_text() or "")[: max_chars + 1]
        except Exception as error:  # one damaged page: the others may still be read
            _emit(failed=type(error).__name__)
            continue
        _emit(text=text)
        size += len(text)
        if size > max_chars:
            break
    _emit(done=True)
    return 0


def _emit(**event: Any) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()  # the bot keeps what came before a kill


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # Windows: the timeout still bounds the work
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
