"""PDF text is read in a process of its own, within PDF_TIMEOUT and a page cap (issue #22,
item 4): a slow PDF is stopped and its process killed, a cancelled turn kills it too, and the
event loop goes on meanwhile. The worker is the real one, reading real PDFs made slow."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.outcomes import Ending
from bot.media.files import Unreadable
from bot.media.pdf import MAX_PDF_PAGES, WORKER_NAME, PdfReading
from tests.support.media_files import pdf_of_pages, slow_page, text_page
from tests.support.processes import children_running, until_running

CHARS = 10_000


async def test_a_slow_pdf_is_stopped_with_what_was_read_and_its_process_killed() -> None:
    slow = pdf_of_pages(text_page("Quarterly report"), slow_page())
    reading = PdfReading(timeout=1.0)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(ticker())
    read = await reading.read(slow, CHARS, chat_id=7)
    beat.cancel()
    assert (read.text, read.pages_read, read.pages_total, read.stopped) == (
        "Quarterly report",
        1,
        2,
        True,
    )
    assert children_running(WORKER_NAME) == []  # killed, not left burning a core
    assert ticks >= 50  # a second of parsing, and the event loop ran all along


async def test_a_slow_pdf_with_nothing_read_in_time_is_refused() -> None:
    with pytest.raises(Unreadable) as refused:
        await PdfReading(timeout=1.0).read(pdf_of_pages(slow_page()), CHARS, chat_id=7)
    assert refused.value.outcome.ending is Ending.PDF_TOO_SLOW
    assert children_running(WORKER_NAME) == []


async def test_a_cancelled_turn_kills_its_parse() -> None:
    reading = PdfReading(timeout=60.0)
    slow = pdf_of_pages(*[slow_page()] * 5)  # a minute of parsing, were it not stopped
    turn = asyncio.create_task(reading.read(slow, CHARS, chat_id=7))
    await until_running(WORKER_NAME, 1)
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn
    assert children_running(WORKER_NAME) == []


async def test_only_the_first_pages_are_read() -> None:
    pages = [text_page(f"page {n}") for n in range(MAX_PDF_PAGES + 5)]
    read = await PdfReading(timeout=30.0).read(pdf_of_pages(*pages), CHARS, chat_id=7)
    assert (read.pages_read, read.pages_total, read.stopped) == (MAX_PDF_PAGES, 205, False)
    assert read.text.startswith("page 0\n\npage 1\n\n")
    assert read.text.endswith(f"page {MAX_PDF_PAGES - 1}")


async def test_parses_beyond_the_slots_wait_their_turn() -> None:
    reading = PdfReading(timeout=60.0, slots=2)
    slow = pdf_of_pages(*[slow_page()] * 5)
    turns = [asyncio.create_task(reading.read(slow, CHARS, chat_id=n)) for n in range(5)]
    await until_running(WORKER_NAME, 2)
    await asyncio.sleep(0.3)
    assert len(children_running(WORKER_NAME)) == 2  # not five processes at once
    for turn in turns:
        turn.cancel()
    await asyncio.gather(*turns, return_exceptions=True)
    assert children_running(WORKER_NAME) == []


@pytest.mark.parametrize("raw", [b"%PDF-1.4 garbage", b"not a pdf at all"])
async def test_a_damaged_pdf_is_unreadable(raw: bytes) -> None:
    with pytest.raises(Unreadable) as refused:
        await PdfReading(timeout=10.0).read(raw, CHARS, chat_id=7)
    assert refused.value.outcome.ending is Ending.UNREADABLE_FILE
