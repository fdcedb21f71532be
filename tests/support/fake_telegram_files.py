"""Files users sent, for the fake Telegram: stored by a test, looked up with getFile (over
the Bot API's 20 MB limit refused) and downloaded from /file/bot<token>/<path>."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fake_telegram_wire import error

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit


@dataclass
class StoredFile:
    """A file users sent; `size` may claim more than `content` holds (a huge file, cheaply)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    size: int


class StoredFiles:
    """A mixin of FakeTelegram: its files and their downloads; the host supplies `_notify`."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []  # file paths downloaded, in order
        self.broken_downloads: set[str] = set()  # file paths whose download answers 500
        self._file_ids = itertools.count(1)

    def add_file(self, content: bytes, path: str, *, size: int | None = None) -> StoredFile:
        """Store a file as Telegram would after a user sent it; `path` like `voice/file_1.oga`."""
        n = next(self._file_ids)
        stored = StoredFile(f"file-{n}", f"unique-{n}", path, content, size or len(content))
        self.files[stored.file_id] = stored
        return stored

    # --- the host's part -------------------------------------------------------------------

    async def _notify(self) -> None:
        raise NotImplementedError

    # --- the server ------------------------------------------------------------------------

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.downloads.append(path)
        await self._notify()
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None:
            return error(404, "Not Found")
        if path in self.broken_downloads:
            return web.Response(status=500, text="Internal Server Error")
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _api_getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            return error(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            return error(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
