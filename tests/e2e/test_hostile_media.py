"""One user's hostile files cannot hurt the others (issue #22, items 3 and 4), end to end
through the real polling loop: a decompression bomb, formats no model takes."""

from __future__ import annotations

import pytest
from PIL import ImageFile

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.test_media import send_document, send_photo
from tests.support.fake_groq import FakeGroq
from tests.support.media_files import image, psd, zero_png

USER, OTHER = 91, 92  # test_media's helpers send as USER


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
