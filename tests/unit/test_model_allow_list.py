"""CHAT_MODELS and MAX_ANSWER_TOKENS in the model catalog, against the fake Groq: a chat picks
only among the allowed chat models, a stand-in is one of them, and each call's room for the
answer is the setting's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from groq import AsyncGroq

from bot.llm.catalog import THINKING_TOKENS, ConfiguredModels, ModelCatalog
from bot.storage.memory.retired import MemoryRetiredModels
from tests.support.fake_groq import FakeGroq

GPT_120, GPT_20, QWEN = "openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3.6-27b"
TURBO = "whisper-large-v3-turbo"
ALLOWED = frozenset({GPT_120, QWEN})

Make = Callable[[ConfiguredModels], Awaitable[ModelCatalog]]


@pytest.fixture
async def make(fake_groq: FakeGroq) -> AsyncIterator[Make]:
    made: list[ModelCatalog] = []

    async def build(configured: ConfiguredModels) -> ModelCatalog:
        client = AsyncGroq(
            api_key=fake_groq.api_key,
            base_url=fake_groq.base_url,
            max_retries=0,
            http_client=httpx.AsyncClient(),
        )
        made.append(ModelCatalog(client, configured, MemoryRetiredModels()))
        await made[-1].refresh()
        return made[-1]

    yield build
    for catalog in made:
        await catalog.aclose()


async def test_chats_pick_only_the_allowed_chat_models(make: Make, fake_groq: FakeGroq) -> None:
    fake_groq.models.append("groq/compound")  # a tool system (retired in 2026): never a pick
    everything = await make(ConfiguredModels(GPT_120, QWEN, TURBO))
    assert await everything.chat_models() == [GPT_120, GPT_20, QWEN]
    narrowed = await make(ConfiguredModels(GPT_120, QWEN, TURBO, allowed=ALLOWED))
    assert await narrowed.chat_models() == [GPT_120, QWEN]
    assert await narrowed.offers(GPT_20) is False  # a chat that picked it before falls back
    assert await narrowed.offers(QWEN) is True


async def test_a_stand_in_is_an_allowed_model(make: Make, fake_groq: FakeGroq) -> None:
    """GROQ_MODEL retired: the best live model that CHAT_MODELS allows answers, not the best."""
    catalog = await make(ConfiguredModels(GPT_120, QWEN, TURBO, allowed=ALLOWED))
    await catalog.retire(GPT_120)
    assert catalog.choose(GPT_120) == QWEN
    assert catalog.choose(GPT_20) == QWEN  # not allowed: as if gone


async def test_max_answer_tokens_is_the_answers_room(make: Make) -> None:
    catalog = await make(ConfiguredModels(GPT_120, QWEN, TURBO, answer_tokens=1000))
    assert catalog.completion_tokens("acme/plain") == 1000
    assert catalog.completion_tokens(GPT_120) == 1000 + THINKING_TOKENS
