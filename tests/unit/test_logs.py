"""Crash logs say where a turn failed, never what the user wrote: no local variables."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest
from groq import AsyncGroq
from loguru import logger

from bot.media.pdf import PdfReading
from tests.support.fake_groq import FakeGroq
from tests.support.log_capture import captured_logs
from tests.support.media_files import image, pdf_of_objects

DIARY = "dear diary, my card number is 4111 1111"


def summarise(text: str) -> int:
    words = text.split()  # a local holding the user's words, as any step of a turn has
    raise RuntimeError(f"cannot summarise {len(words)} words")


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
def test_an_exception_log_holds_no_local_variable(tmp_path: Path, json: bool) -> None:
    with captured_logs("TRACE", tmp_path, json=json) as logs:
        try:
            summarise(DIARY)
        except RuntimeError:
            logger.exception("chat=1 turn msg=2 crashed")
        text = logs.text()
    assert "crashed" in text and "cannot summarise 8 words" in text  # the crash is there...
    assert "summarise" in text and "Traceback" in text  # ...with its traceback
    for word in ("diary", "4111"):
        assert word not in text  # ...but not the values of the frames' variables


def test_the_traceback_starts_where_the_exception_was_caught(tmp_path: Path) -> None:
    with captured_logs("INFO", tmp_path) as logs:
        try:
            summarise("x")
        except RuntimeError:
            logger.exception("crashed")
        text = logs.text()
    assert "_pytest" not in text  # the frames above the handler (pytest's here) are noise


MARKER = "zebra-7741-never-logged"
AUDIO = b"OggS audio-4412-never-logged"


def data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(image("red")).decode()


async def ask_groq(groq: FakeGroq, content: str | list[dict[str, Any]]) -> None:
    """A real call of the SDK's client, as the bot makes it, against the fake Groq."""
    client = AsyncGroq(api_key=groq.api_key, base_url=groq.base_url, max_retries=0)
    messages: Any = [{"role": "user", "content": content}]  # a user message, as the SDK types it
    try:
        await client.chat.completions.create(model="qwen/qwen3.6-27b", messages=messages)
        await client.audio.transcriptions.create(
            model="whisper-large-v3-turbo", file=("voice.ogg", AUDIO)
        )
    finally:
        await client.close()


async def test_at_info_a_groq_call_builds_no_debug_record(
    fake_groq: FakeGroq, tmp_path: Path
) -> None:
    """A record below the level is never built: the SDK dumps whole requests into them."""
    built: list[str] = []
    factory = logging.getLogRecordFactory()

    def counting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if record.levelno < logging.INFO:
            built.append(f"{record.name}: {record.msg}")
        return record

    with captured_logs("INFO", tmp_path) as logs:
        logging.setLogRecordFactory(counting)
        try:
            await ask_groq(fake_groq, MARKER)
        finally:
            logging.setLogRecordFactory(factory)
        assert not logging.getLogger("groq").isEnabledFor(logging.DEBUG)
        text = logs.text()
    assert built == []
    assert MARKER not in text


async def test_at_debug_a_groq_call_logs_no_prompt_image_or_audio(
    fake_groq: FakeGroq, tmp_path: Path
) -> None:
    url = data_url()
    content: list[dict[str, Any]] = [
        {"type": "text", "text": MARKER},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    with captured_logs("DEBUG", tmp_path) as logs:
        await ask_groq(fake_groq, content)
        text = logs.text()
    assert "Request options" in text  # the SDK's debug lines are there...
    assert MARKER not in text  # ...without the prompt,
    assert url[22:80] not in text and "base64" not in text  # the image
    assert "audio-4412" not in text  # or the recording


def test_a_library_record_is_one_line_of_at_most_500_characters(tmp_path: Path) -> None:
    with captured_logs("INFO", tmp_path) as logs:
        logging.getLogger("aiohttp.server").warning("bad request: %s", "a\nb" + "x" * 5000)
        text = logs.text()
    [line] = {line for line in text.splitlines() if "bad request" in line}  # console = file
    assert "x" * 400 in line  # the start of it is kept...
    assert len(line) < 700  # ...cut at 500 characters (the rest is the line's prefix)
    assert "x" * 5000 not in text


def broken_pdf(content: str) -> bytes:
    """A PDF whose font's ToUnicode map holds `content` on lines pypdf reads around."""
    stream = "BT /F1 12 Tf 72 720 Td (hello) Tj ET"
    cmap = f"begincmap\n1 beginbfchar\n<68> <0041> {content}\nendbfchar\nendcmap"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        f"<< /Length {len(cmap)} >>\nstream\n{cmap}\nendstream",
    ]
    return pdf_of_objects(objects)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_pypdf_warnings_never_reach_the_log(tmp_path: Path, level: str) -> None:
    """pypdf runs in the PDF reader's own process (bot/media/pdf.py), whose output the bot
    discards: its warnings, which quote an attacker's PDF objects, are in no log line."""
    with captured_logs(level, tmp_path) as logs:
        read = await PdfReading(timeout=30).read(
            broken_pdf("SECRET-OBJECT\nsecond part"), 10_000, chat_id=1
        )
        text = logs.text()
    assert read.text == "Aello"
    assert [line for line in text.splitlines() if "pypdf" in line] == []
    assert "SECRET" not in text and "second part" not in text
