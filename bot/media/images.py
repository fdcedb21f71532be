"""Images as the data: URLs a vision model reads, and a small cache of them by file id.

The history keeps file ids only; a follow-up question fetches its images again, from the cache
when they were seen lately (docs/architecture.md, "Media").

An image is decoded only once its header says what that costs (docs/architecture.md, "What
one user cannot do to the others"): a PNG of 0.65 MB can hold 169 megapixels, 676 MB decoded.
Only JPEG, PNG, WebP and GIF are opened; an image over `MAX_PIXELS`, or whose decoding would
take more than `MAX_DECODED_BYTES`, is refused before decoding; one over what Groq takes
(`MODEL_PIXELS`) is downscaled, a JPEG decoded straight at a fraction of its size; and a
process decodes one image at a time, in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import io
import math
import warnings
from collections import OrderedDict

from PIL import Image, UnidentifiedImageError

from bot.core.outcomes import Ending, Outcome
from bot.media.files import MB, Downloader, Unreadable

MAX_BASE64_BYTES = 4 * MB  # Groq refuses a bigger base64 image
MODEL_PIXELS = 33_000_000  # Groq refuses an image of more pixels
MAX_PIXELS = 100_000_000  # more is refused outright
MAX_DECODED_BYTES = 256 * MB  # what decoding one image may take
DECODED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_AS_IS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "La": 2, "RGB": 3, "YCbCr": 3}

# Pillow's own guard at our ceiling: it refuses twice as many pixels at open, and its warning
# between the two is no news, as the size check below refuses those before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def _base64_size(raw: int) -> int:
    return 4 * -(-raw // 3)


def encode(raw: bytes, limit: int = MAX_BASE64_BYTES) -> str:
    """A data: URL of the image, downscaled to JPEG while it is over Groq's limits.

    CPU work: callers run it in a thread, one at a time. Raises `Unreadable` for what is not
    an image of the four formats, or is one too large to decode.
    """
    try:
        with Image.open(io.BytesIO(raw), formats=DECODED_FORMATS) as image:
            _check_size(image.size)
            fits = image.width * image.height <= MODEL_PIXELS
            kind = _AS_IS[image.format or "JPEG"]
            if fits and _base64_size(len(raw)) <= limit:
                _check_memory(image)
                image.load()  # decodes it all: a truncated file fails here, not at the model
                return _url(kind, raw)
            target = _within_model(image.size)
            image.draft("RGB", target)  # a JPEG: decoded straight at 1/2, 1/4 or 1/8
            _check_memory(image)
            image.thumbnail(target)  # the decoded image is dropped before the conversion
            smaller = image.convert("RGB")
    except UnidentifiedImageError as error:
        ending = Ending.UNREADABLE_FILE if _signed(raw) else Ending.UNSUPPORTED_IMAGE
        raise Unreadable(Outcome(ending)) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large(type(error).__name__) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise Unreadable(Outcome(Ending.UNREADABLE_FILE, detail=type(error).__name__)) from error
    while True:
        out = io.BytesIO()
        smaller.save(out, "JPEG", quality=85)
        if _base64_size(out.tell()) <= limit or min(smaller.size) <= 16:
            return _url("jpeg", out.getvalue())
        width, height = smaller.size
        smaller = smaller.resize((max(1, width * 3 // 4), max(1, height * 3 // 4)))


def _signed(raw: bytes) -> bool:
    """Begins as one of the four formats does: a damaged file of ours, not another format."""
    return raw.startswith(_SIGNATURES) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP")


def _check_size(size: tuple[int, int]) -> None:
    """From the header alone: `Image.open` has read nothing else yet."""
    if size[0] * size[1] > MAX_PIXELS:
        raise _too_large(f"{size[0]}x{size[1]}")


def _check_memory(image: Image.Image) -> None:
    needed = image.width * image.height * _BYTES_PER_PIXEL.get(image.mode, 4)
    if needed > MAX_DECODED_BYTES:
        raise _too_large(f"{image.width}x{image.height} {image.mode}")


def _too_large(detail: str) -> Unreadable:
    return Unreadable(
        Outcome(Ending.IMAGE_TOO_LARGE, detail=detail, limit_mp=MAX_PIXELS // 1_000_000)
    )


def _within_model(size: tuple[int, int]) -> tuple[int, int]:
    """The largest size of these proportions that Groq takes."""
    width, height = size
    scale = min(1.0, math.sqrt(MODEL_PIXELS / (width * height)))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _url(kind: str, data: bytes) -> str:
    return f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"


class ImageCache:
    """Least recently used data URLs, bounded by their total size."""

    def __init__(self, max_bytes: int = 32 * MB) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._urls: OrderedDict[str, str] = OrderedDict()

    def get(self, file_id: str) -> str | None:
        url = self._urls.get(file_id)
        if url is not None:
            self._urls.move_to_end(file_id)
        return url

    def put(self, file_id: str, url: str) -> None:
        if file_id in self._urls:
            return
        self._urls[file_id] = url
        self._size += len(url)
        while self._size > self._max_bytes and len(self._urls) > 1:
            _, dropped = self._urls.popitem(last=False)
            self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._urls)


class Images:
    """An image by file id: from the cache, or downloaded, checked and encoded."""

    def __init__(self, downloader: Downloader, cache: ImageCache) -> None:
        self._downloader = downloader
        self._cache = cache
        # One decode at a time in this process: an album of five bombs is five in a row, and
        # a waiting turn holds no worker thread. (A process runs one bot.)
        self._decoding = asyncio.Lock()

    async def data_url(self, file_id: str, size: int | None = None) -> str:
        cached = self._cache.get(file_id)
        if cached is not None:
            return cached
        raw, _ = await self._downloader.fetch(file_id, size)
        async with self._decoding:
            url = await asyncio.to_thread(encode, raw)
        self._cache.put(file_id, url)
        return url
