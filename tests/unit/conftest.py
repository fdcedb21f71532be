"""Fixtures the in-process unit tests share: a recording Bot, and a memory backend for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.base import StorageOptions
from bot.storage.memory import MemoryBackend
from tests.support.recording_bot import RecordingBot, recording_bot


@pytest.fixture
async def bot() -> AsyncIterator[RecordingBot]:
    bot = recording_bot()
    yield bot
    await bot.session.close()


@pytest.fixture
async def backend(bot: RecordingBot) -> AsyncIterator[MemoryBackend]:
    """The bot's own storage: its id is the recording bot's."""
    backend = MemoryBackend(StorageOptions(bot_id=bot.id, max_messages=10, ttl_seconds=3600))
    yield backend
    await backend.aclose()
