"""Fixtures that start the fake servers for one test and stop them after it."""

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    async with FakeGroq() as server:
        yield server
