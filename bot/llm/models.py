"""What the bot knows of Groq's model names: the one place that knows."""

from __future__ import annotations

NOT_CHAT = ("whisper", "tts", "guard", "orpheus")  # speech, text-to-speech, safety classifiers
REASONING_PREFIXES = ("openai/gpt-oss-", "qwen/qwen3-")
SEARCH_MODEL = "groq/compound-mini"  # a compound system: searches the web, cites its sources


def is_reasoning_model(model: str) -> bool:
    """Models that think aloud: asked for `reasoning_format`, so no `<think>` reaches a chat."""
    return model.startswith(REASONING_PREFIXES)


def is_chat_model(model: str) -> bool:
    return not any(word in model.lower() for word in NOT_CHAT)
