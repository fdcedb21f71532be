"""What users send never reaches the log, even at DEBUG, where the libraries speak too: the
Groq SDK's records of whole requests are summarised (bot/log_filters.py)."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.e2e.conftest import StartBot
from tests.e2e.media_helpers import USER, send_photo, send_voice
from tests.support.fake_groq import FakeGroq
from tests.support.log_capture import captured_logs
from tests.support.media_files import image

WORDS = "my passport number is XK-55120"
CAPTION = "is this mole 3mm-osprey benign?"


async def test_at_debug_no_message_photo_or_voice_reaches_the_log(
    start_bot: StartBot, fake_groq: FakeGroq, tmp_path: Path
) -> None:
    fake_groq.transcriber = lambda audio: "heard it" if audio else ""
    picture = image("green")
    with captured_logs("DEBUG", tmp_path / "logs") as logs:
        bot = await start_bot(LOG_LEVEL="DEBUG")
        bot.telegram.send_text(USER, WORDS)
        await bot.replies(USER, 1)
        await bot.settled(USER)
        send_photo(bot, picture, caption=CAPTION)
        await bot.replies(USER, 2)
        await bot.settled(USER)
        send_voice(bot, b"OggS voice-8812-secret")
        await bot.replies(USER, 4)
        await bot.stop()
        text = logs.text()
    assert f"chat={USER}" in text and "Request options" in text  # DEBUG, the SDK's too
    for secret in ("XK-55120", "3mm-osprey", "voice-8812", "reply to"):
        assert secret not in text
    assert base64.b64encode(picture).decode()[:60] not in text
