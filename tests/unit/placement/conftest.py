"""The placement contract's fixtures, run over both adapters: local (memory) and leased (a
real Redis). Like aiogram's storage tests, one set of tests and one fixture parametrised over
every adapter; `bot` and `backend` here replace tests/unit/conftest.py's recording ones. The
leased-only modules here (test_leased_*.py, test_chat_state.py) define their own `backend`, on
Redis alone, which overrides this one and its parametrisation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.conversation.conversations import Conversations
from bot.storage.base import Backend, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend
from tests.support.fake_telegram import FakeTelegram
from tests.unit.placement_helpers import ScriptedModel, build


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        "4242:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.url))
    )
    yield bot
    await bot.session.close()


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture(params=["local", "leased"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    options = StorageOptions(bot_id=4242, max_messages=10, ttl_seconds=3600, lease_ttl=1.0)
    if request.param == "local":
        built: Backend = MemoryBackend.from_url("memory://", options)
    else:
        built = RedisBackend.from_url(str(request.getfixturevalue("redis_url")), options)
    await built.start()
    yield built
    await built.aclose()


@pytest.fixture
async def conversations(
    backend: Backend, bot: Bot, model: ScriptedModel
) -> AsyncIterator[Conversations]:
    supervisor = build(backend, bot, model)
    await supervisor.placement.start()
    yield supervisor
    await supervisor.shutdown(0.1)
