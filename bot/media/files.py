"""Downloading a file through aiogram from TELEGRAM_API_URL's file endpoint, within the limit."""

from __future__ import annotations

import io

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.core.outcomes import Ending, Outcome

MB = 1024 * 1024


class Unreadable(Exception):
    """A file that cannot become part of a question; `outcome` says what the user is told."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.ending.value)
        self.outcome = outcome


class Downloader:
    """Telegram's own limit (getFile: "file is too big") and MAX_FILE_MB are both honoured."""

    def __init__(self, bot: Bot, *, max_mb: int, timeout: float) -> None:
        self._bot = bot
        self._max_mb = max_mb
        self._timeout = timeout

    def too_big(self, size: int | None) -> bool:
        return size is not None and size > self._max_mb * MB

    def _refused(self) -> Unreadable:
        return Unreadable(Outcome(Ending.FILE_TOO_BIG, limit_mb=self._max_mb))

    async def fetch(self, file_id: str, size: int | None) -> tuple[bytes, str]:
        """The file's bytes and Telegram's path for it (its extension names the format)."""
        if self.too_big(size):
            raise self._refused()
        try:
            file = await self._bot.get_file(file_id)
            if self.too_big(file.file_size):
                raise self._refused()
            if file.file_path is None:
                raise Unreadable(Outcome(Ending.DOWNLOAD_FAILED, detail="no file path"))
            buffer = io.BytesIO()
            await self._bot.download_file(
                file.file_path, buffer, timeout=max(1, int(self._timeout))
            )
        except TelegramBadRequest as error:
            if "too big" in error.message:
                raise self._refused() from error
            raise _failed(error.message) from error
        except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as error:
            raise _failed(type(error).__name__) from error
        return buffer.getvalue(), file.file_path


def _failed(detail: str) -> Unreadable:
    return Unreadable(Outcome(Ending.DOWNLOAD_FAILED, detail=f"download: {detail}"))
