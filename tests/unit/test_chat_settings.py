"""The pieces behind per-chat settings: the model catalog, reasoning and sources display,
and the settings' own encoding in the FSM data."""

from __future__ import annotations

import pytest
from groq import AsyncGroq

from bot.chat_settings.model import DATA_FIELD, ChatSettings
from bot.delivery.extras import collapsed, with_sources
from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.llm.catalog import ModelCatalog
from bot.llm.errors import ModelError
from bot.llm.port import Source
from tests.support.fake_groq import FakeGroq


async def test_the_catalog_lists_chat_models_only_and_asks_again_after_its_ttl(
    fake_groq: FakeGroq,
) -> None:
    now = [0.0]
    client = AsyncGroq(api_key=fake_groq.api_key, base_url=fake_groq.base_url, max_retries=0)
    catalog = ModelCatalog(client, ttl=60, clock=lambda: now[0])
    models = await catalog.chat_models()
    assert "llama-3.3-70b-versatile" in models and "qwen/qwen3-32b" in models
    assert not any(w in m for m in models for w in ("whisper", "tts", "guard"))
    fake_groq.models.remove("qwen/qwen3-32b")
    assert await catalog.offers("qwen/qwen3-32b") is True  # still the cached list
    now[0] = 61
    assert await catalog.offers("qwen/qwen3-32b") is False
    assert fake_groq.model_lists == 2
    await catalog.aclose()


async def test_a_catalog_that_cannot_ask_says_so(fake_groq: FakeGroq) -> None:
    client = AsyncGroq(api_key="wrong", base_url=fake_groq.base_url, max_retries=0)
    catalog = ModelCatalog(client)
    assert await catalog.offers("llama-3.3-70b-versatile") is None
    with pytest.raises(ModelError):
        await catalog.chat_models()
    await catalog.aclose()


def test_long_reasoning_is_cut_to_one_message_and_quoted_whole() -> None:
    text, [quote] = collapsed("💭", "й" * 10_000)
    assert utf16_len(text) <= TELEGRAM_TEXT_LIMIT and text.endswith("…")
    assert quote.type == "expandable_blockquote"
    assert quote.offset + quote.length == utf16_len(text)


def test_sources_are_numbered_links_without_duplicates() -> None:
    sources = [Source("A [x]", "https://a"), Source("", "https://b"), Source("A", "https://a")]
    assert with_sources("answer", "Sources", sources) == (
        "answer\n\n**Sources**\n1. [A (x)](https://a)\n2. [https://b](https://b)"
    )
    assert with_sources("answer", "Sources", []) == "answer"


def test_settings_of_a_newer_release_are_read_without_its_fields() -> None:
    data = {DATA_FIELD: {"model": "m", "search": True, "colour": "blue"}, "other": 1}
    assert ChatSettings.from_data(data) == ChatSettings(model="m", search=True)
    assert ChatSettings.from_data({}) == ChatSettings()
