"""Images as the data: URLs a vision model reads, and a small cache of them by file id.

The history keeps file ids only; a follow-up question fetches its images again, from the cache
when they were seen lately (docs/architecture.md, "Media").
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections import OrderedDict

from PIL import Image, UnidentifiedImageError

from bot.core.outcomes import Ending, Outcome
from bot.media.files import MB, Downloader, Unreadable

MAX_BASE64_BYTES = 4 * MB  # Groq refuses a bigger base64 image
_AS_IS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def _base64_size(raw: int) -> int:
    return 4 * -(-raw // 3)


def encode(raw: bytes, limit: int = MAX_BASE64_BYTES) -> str:
    """A data: URL of the image, downscaled to JPEG while its base64 is over `limit`.

    CPU work: callers run it in a thread. Raises `Unreadable` for what is not an image.
    """
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()  # decodes it all: a truncated file fails here, not at the model
            kind = _AS_IS.get(image.format or "")
            if kind is not None and _base64_size(len(raw)) <= limit:
                return _url(kind, raw)
            smaller = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable(Outcome(Ending.UNREADABLE_FILE, detail=type(error).__name__)) from error
    while True:
        out = io.BytesIO()
        smaller.save(out, "JPEG", quality=85)
        if _base64_size(out.tell()) <= limit or min(smaller.size) <= 16:
            return _url("jpeg", out.getvalue())
        width, height = smaller.size
        smaller = smaller.resize((max(1, width * 3 // 4), max(1, height * 3 // 4)))


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

    async def data_url(self, file_id: str, size: int | None = None) -> str:
        cached = self._cache.get(file_id)
        if cached is not None:
            return cached
        raw, _ = await self._downloader.fetch(file_id, size)
        url = await asyncio.to_thread(encode, raw)
        self._cache.put(file_id, url)
        return url
