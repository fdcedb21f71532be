"""The pieces behind per-chat settings: reasoning and sources display, and the settings' own
encoding in the FSM data (the model catalog: tests/unit/test_model_catalog.py)."""

from __future__ import annotations

from bot.core.chat_settings import DATA_FIELD, ChatSettings
from bot.delivery.extras import collapsed, with_sources
from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.llm.port import Source


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
