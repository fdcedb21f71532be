"""Reading a PDF's text layer in a process of its own, within PDF_TIMEOUT and a page cap.

A PDF can keep a parser busy for minutes, and a thread cannot be stopped: it used to run in
the default executor, which every media turn shares, with no timeout and no page cap, and
neither /cancel nor /start ended it. Each parse is now one subprocess (bot/media/pdf_worker.py)
that the bot kills when PDF_TIMEOUT passes or the turn is cancelled, so no core goes on
burning for a user who left. One process per parse rather than a pool: a pool's worker cannot
be killed alone (a hung parse would hold it for good), while a process of its own costs about
0.1 s to start, little next to a parse, and a crash or a memory blow-up ends only it. At most
`slots` parse at once; the rest wait their turn, and can be cancelled while they wait
(docs/architecture.md, "What one user cannot do to the others").
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from bot.core.outcomes import Ending, Outcome
from bot.media.files import Unreadable

MAX_PDF_PAGES = 200  # read at most the first pages
WORKER = Path(__file__).with_name("pdf_worker.py")
WORKER_NAME = WORKER.name  # how a test finds it among the processes


@dataclass(frozen=True, slots=True)
class PdfText:
    text: str
    pages_read: int
    pages_total: int
    stopped: bool  # PDF_TIMEOUT passed: `text` is what was read before
    capped: bool  # the page cap was reached before the end


@dataclass(slots=True)
class _Events:
    """What the worker said, as it said it."""

    pages: list[str]
    total: int = 0
    failed: int = 0
    error: str = ""
    done: bool = False

    def take(self, line: bytes) -> None:
        event = json.loads(line)
        self.total = event.get("pages", self.total)
        self.error = event.get("error", self.error)
        self.done = event.get("done", self.done)
        self.failed += "failed" in event
        if "text" in event:
            self.pages.append(event["text"])


class PdfReading:
    def __init__(self, *, timeout: float, slots: int = 2, max_pages: int = MAX_PDF_PAGES) -> None:
        self._timeout = timeout
        self._slots = asyncio.Semaphore(slots)
        self._max_pages = max_pages

    async def read(self, raw: bytes, max_chars: int, chat_id: int) -> PdfText:
        """The text layer, page by page until there is more than `max_chars` of it.

        Raises `Unreadable` for a PDF that cannot be opened, has no text, or gave none in time.
        """
        async with self._slots:
            started = time.monotonic()
            events, stopped = await self._run(raw, max_chars)
        if stopped:
            logger.info(
                "chat={} pdf reading stopped after {:.1f}s: {} of {} pages read",
                chat_id,
                time.monotonic() - started,
                len(events.pages),
                events.total,
            )
        return _result(events, stopped, self._max_pages)

    async def _run(self, raw: bytes, max_chars: int) -> tuple[_Events, bool]:
        """The worker's events, and whether it was stopped by the timeout; killed either way
        if it still runs, a cancel of the turn included."""
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-I", str(WORKER), str(max_chars), str(self._max_pages),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=8 * max_chars + 4096,  # a page's text, JSON-escaped, on one line
        )  # fmt: skip
        assert worker.stdin is not None and worker.stdout is not None
        events = _Events([])
        try:
            async with asyncio.timeout(self._timeout):
                worker.stdin.write(raw)
                await worker.stdin.drain()
                worker.stdin.close()
                while line := await worker.stdout.readline():
                    events.take(line)
                await worker.wait()
        except TimeoutError:
            return events, True
        except (BrokenPipeError, ConnectionResetError, ValueError):
            events.error = events.error or "worker failed"  # it died, or wrote nonsense
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
        return events, False


def _result(events: _Events, stopped: bool, max_pages: int) -> PdfText:
    if events.error == "encrypted":
        raise Unreadable(Outcome(Ending.UNREADABLE_FILE, detail="encrypted pdf"))
    if events.error or not (events.done or stopped):
        raise Unreadable(Outcome(Ending.UNREADABLE_FILE, detail=events.error or "worker died"))
    text = "\n\n".join(page.strip() for page in events.pages if page.strip())
    if not text:
        if stopped:
            raise Unreadable(Outcome(Ending.PDF_TOO_SLOW))
        ending = Ending.UNREADABLE_FILE if events.failed else Ending.NO_TEXT_LAYER
        raise Unreadable(Outcome(ending))
    looked_at = len(events.pages) + events.failed
    capped = not stopped and events.total > max_pages and looked_at >= max_pages
    return PdfText(text, len(events.pages), events.total, stopped, capped)
