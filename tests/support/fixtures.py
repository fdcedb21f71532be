"""Fixtures that start the fake servers for one test and stop them after it."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage.base import StorageOptions
from bot.storage.redis import RedisBackend
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.redis_server import RedisServer, redis_server_or_skip


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    async with FakeGroq() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RedisServer]:
    server = RedisServer(redis_server_or_skip(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server_session: RedisServer) -> str:
    """A clean database on the suite's own redis-server."""
    redis_server_session.flush()
    return redis_server_session.url


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, for tests that stop and start it."""
    server = RedisServer(redis_server_or_skip(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_backend(redis_url: str) -> AsyncIterator[RedisBackend]:
    """The Redis backend of bot 1 with prefix `t`, on a clean database; closed after the test."""
    backend = RedisBackend.from_url(
        redis_url, StorageOptions(bot_id=1, max_messages=10, ttl_seconds=3600, prefix="t")
    )
    yield backend
    await backend.aclose()
