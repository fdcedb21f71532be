"""What an image may cost (issue #22, item 3): its size read from its header before any
decoding, a ceiling, a downscale to what Groq takes, four formats, one decode at a time."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time

import pytest
from PIL import Image, ImageFile

from bot.core.outcomes import Ending
from bot.media import images as images_module
from bot.media.files import Unreadable
from bot.media.images import MAX_PIXELS, MODEL_PIXELS, ImageCache, Images, encode
from tests.support.media_files import image, psd, zero_png


class Decodes:
    """Counts full decodes (`ImageFile.load`) while letting them happen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        load = ImageFile.ImageFile.load

        def counted(image: ImageFile.ImageFile) -> object:
            self.count += 1
            return load(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", counted)


def pixels_of(url: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as shown:
        return shown.size


def test_an_image_over_what_groq_takes_is_downscaled_to_fit() -> None:
    url = encode(zero_png(10_000, 6_000, "L"))  # 60 MP, 60 KB: small enough to pass as it was
    width, height = pixels_of(url)
    assert width * height <= MODEL_PIXELS
    assert width * height > MODEL_PIXELS * 0.9  # no smaller than it must be
    assert abs(width / height - 10 / 6) < 0.01


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # as in production
def test_a_decompression_bomb_is_refused_from_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = Decodes(monkeypatch)
    bomb = zero_png(13_000, 13_000)  # 169 MP, 676 MB decoded, 0.65 MB sent
    with pytest.raises(Unreadable) as refused:
        encode(bomb)
    assert refused.value.outcome.ending is Ending.IMAGE_TOO_LARGE
    assert refused.value.outcome.limit_mp == MAX_PIXELS // 1_000_000
    assert decodes.count == 0


@pytest.mark.parametrize("kind", ["BMP", "TIFF", "PSD"])
def test_formats_groq_does_not_take_are_refused_undecoded(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = psd() if kind == "PSD" else image("red", kind=kind)
    with Image.open(io.BytesIO(raw)) as known:  # Pillow itself would read each of them
        assert known.format == kind
    decodes = Decodes(monkeypatch)
    with pytest.raises(Unreadable) as refused:
        encode(raw)
    assert refused.value.outcome.ending is Ending.UNSUPPORTED_IMAGE
    assert decodes.count == 0


class _Files:
    async def fetch(self, file_id: str, size: int | None) -> tuple[bytes, str]:
        return image("red", (8 + len(file_id), 8)), f"photos/{file_id}.png"


async def test_images_are_decoded_one_at_a_time_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running, most, lock = 0, 0, threading.Lock()

    def slow_encode(raw: bytes) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)  # a worker thread's time: the event loop goes on meanwhile
        with lock:
            running -= 1
        return "data:image/png;base64,"

    monkeypatch.setattr(images_module, "encode", slow_encode)
    images = Images(_Files(), ImageCache())  # type: ignore[arg-type]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(ticker())
    await asyncio.gather(*(images.data_url(f"f{n}") for n in range(5)))  # an album of five
    beat.cancel()
    assert most == 1
    assert ticks >= 20  # the loop ran all along: 5 × 50 ms of decoding in a thread
