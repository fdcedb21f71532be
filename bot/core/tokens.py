"""A local, conservative token estimate: no tokenizer download, no network."""

from __future__ import annotations

from bot.core.messages import ChatMessage

MESSAGE_OVERHEAD_TOKENS = 4
# What one image costs a vision model, estimated: vision models read a picture as tiles of a
# few hundred tokens each; a phone photo scaled to Telegram's sizes takes a few tiles.
IMAGE_TOKENS = 1000
_BYTES_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """UTF-8 bytes / 4, rounded up: ~4 Latin or ~2 Cyrillic characters a token, an emoji one."""
    return -(-len(text.encode("utf-8")) // _BYTES_PER_TOKEN)


def message_tokens(message: ChatMessage) -> int:
    images = len(message.images) * IMAGE_TOKENS
    return MESSAGE_OVERHEAD_TOKENS + estimate_tokens(message.content) + images


def shorten_to_tokens(text: str, max_tokens: int) -> str:
    """The longest end of `text` that fits `max_tokens`: a long question keeps its last words."""
    budget = max(max_tokens, 0) * _BYTES_PER_TOKEN
    encoded = text.encode("utf-8")
    if len(encoded) <= budget:
        return text
    # Cutting inside a character leaves stray continuation bytes at the start; drop them.
    return encoded[len(encoded) - budget :].decode("utf-8", errors="ignore")
