"""One user's hostile files cannot hurt the others (issue #22, items 3 and 4), end to end
through the real polling loop: a decompression bomb, formats no model takes, PDFs that take
forever to read."""

from __future__ import annotations

import asyncio

import pytest
from PIL import ImageFile

from bot.media.pdf import MAX_PDF_PAGES, WORKER_NAME
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.media_helpers import last_user_text, send_document, send_photo
from tests.support.fake_groq import FakeGroq
from tests.support.media_files import image, pdf_of_pages, psd, slow_page, text_page, zero_png
from tests.support.processes import children_running, until_running

USER, OTHER = 91, 92  # media_helpers' senders send as USER


class NeverDecoded:
    """A full decode (`ImageFile.load`) fails the turn instead of taking the memory."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        monkeypatch.setattr(ImageFile.ImageFile, "load", self._load)

    def _load(self, image: ImageFile.ImageFile) -> None:
        self.calls += 1
        raise MemoryError("the test's stand-in for 676 MB")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # as in production
async def test_a_decompression_bomb_is_refused_undecoded_and_others_are_answered(
    start_bot: StartBot, fake_groq: FakeGroq, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = zero_png(13_000, 13_000)  # 169 MP: 0.65 MB sent, 676 MB decoded
    bot = await start_bot()
    decodes = NeverDecoded(monkeypatch)
    send_document(bot, bomb, "bomb.png", "image/png", caption="what is it?")
    bot.telegram.send_text(OTHER, "still there?")
    assert await bot.replies(OTHER, 1, timeout=2) == ["reply to: still there?"]
    assert await bot.replies(USER, 1) == [EN.image_too_large(100)]
    assert decodes.calls == 0
    assert fake_groq.requests[0]["messages"][-1]["content"] == "still there?"
    assert len(fake_groq.requests) == 1  # the bomb reached no model


@pytest.mark.parametrize("kind", ["BMP", "TIFF", "PSD"])
async def test_an_image_in_a_format_no_model_takes_is_refused_undecoded(
    start_bot: StartBot, fake_groq: FakeGroq, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    raw = psd() if kind == "PSD" else image("red", kind=kind)
    bot = await start_bot()
    decodes = NeverDecoded(monkeypatch)
    send_photo(bot, raw, caption="and this?")  # a client may send any bytes as a photo
    send_document(bot, raw, f"picture.{kind.lower()}", "image/png")  # or name it a PNG
    assert await bot.replies(USER, 2) == [EN.unsupported_image] * 2
    assert decodes.calls == 0
    assert fake_groq.requests == []


async def test_a_slow_pdf_is_cut_off_with_what_was_read_and_others_are_answered(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    # the first page is read within the timeout even on a loaded machine; the second takes
    # about 15 s
    bot = await start_bot(PDF_TIMEOUT="5")
    slow = pdf_of_pages(text_page("Quarterly report"), slow_page())
    send_document(bot, slow, "report.pdf", "application/pdf", caption="sum it up")
    await until_running(WORKER_NAME, 1)
    bot.telegram.send_text(OTHER, "still there?")
    assert await bot.replies(OTHER, 1) == ["reply to: still there?"]
    assert len(children_running(WORKER_NAME)) == 1  # answered while the PDF is still read
    notice, answer = await bot.replies(USER, 2)
    assert notice == EN.pdf_partial("report.pdf", 1, 2)
    assert last_user_text(fake_groq.requests[-1]).startswith(
        "File report.pdf:\n```pdf\nQuarterly report\n```"
    )
    assert answer.startswith("reply to: File report.pdf:")
    assert children_running(WORKER_NAME) == []  # stopped, not burning a core


async def test_a_pdf_with_nothing_read_in_time_gets_a_clear_message(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(PDF_TIMEOUT="1")
    send_document(bot, pdf_of_pages(slow_page()), "slow.pdf", "application/pdf")
    assert await bot.replies(USER, 1) == [EN.pdf_too_slow]
    assert fake_groq.requests == []
    assert children_running(WORKER_NAME) == []


@pytest.mark.parametrize("command", ["/cancel", "/start"])
async def test_cancelling_a_turn_stops_its_pdf_reading(
    start_bot: StartBot, fake_groq: FakeGroq, command: str
) -> None:
    bot = await start_bot(PDF_TIMEOUT="60")
    slow = pdf_of_pages(*[slow_page()] * 5)  # a minute of parsing, were it not stopped
    send_document(bot, slow, "slow.pdf", "application/pdf")
    await until_running(WORKER_NAME, 1)
    bot.telegram.send_text(USER, command)
    await until_running(WORKER_NAME, 0)  # within seconds, not the minute of the parse
    await bot.settled(USER)
    await asyncio.sleep(0.1)
    assert fake_groq.requests == []


async def test_only_the_first_pages_of_a_long_pdf_are_read(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    pages = [text_page(f"p{n}") for n in range(MAX_PDF_PAGES + 5)]
    send_document(bot, pdf_of_pages(*pages), "long.pdf", "application/pdf")
    notice, _ = await bot.replies(USER, 2)
    assert notice == EN.pdf_pages_cut("long.pdf", MAX_PDF_PAGES, MAX_PDF_PAGES + 5)
    question = last_user_text(fake_groq.requests[0])
    assert f"p{MAX_PDF_PAGES - 1}\n```" in question and f"p{MAX_PDF_PAGES}" not in question
