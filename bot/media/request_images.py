"""A request whose dialog shows images: which of them it carries, fetched.

The history keeps file ids; a request carries the newest images the model's per-request
limit and half the token budget allow, each counted with an estimate (bot/core/tokens.py).
Older ones, and any that can no longer be fetched, become a short placeholder in their text.
A model that sees them answers it: the chat's, or VISION_MODEL (bot/llm/live.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from loguru import logger

from bot.core.messages import ChatMessage
from bot.core.tokens import IMAGE_TOKENS
from bot.core.trimming import Budget, trim_history
from bot.llm.families import MAX_IMAGES_PER_REQUEST
from bot.llm.port import ModelRequest
from bot.media.files import Unreadable
from bot.media.images import Images

# Model-facing, not user-facing: tells the model an image was there.
PLACEHOLDER = "[an image was shown here; it is no longer attached]"


def without_images(message: ChatMessage, count: int | None = None) -> ChatMessage:
    note = " ".join([PLACEHOLDER] * (len(message.images) if count is None else count))
    return replace(message, content=f"{message.content}\n{note}".strip(), images=())


def limit_images(
    dialog: Sequence[ChatMessage], budget: Budget, max_images: int = MAX_IMAGES_PER_REQUEST
) -> list[ChatMessage]:
    """The dialog with only the newest images a request may carry; the newest message keeps
    its own (up to `max_images`), older ones fit in the rest of half the token budget."""
    allowance = max(budget.max_tokens // 2, IMAGE_TOKENS)
    kept: list[ChatMessage] = []
    shown, full = 0, False
    for index, message in enumerate(reversed(dialog)):
        count = len(message.images)
        full = full or shown + count > max_images or (shown + count) * IMAGE_TOKENS > allowance
        if count and (index == 0 or not full):
            own = message.images[:max_images]
            message = replace(message, images=own) if len(own) < count else message
            shown += len(own)
        elif count:
            message = without_images(message)
        kept.append(message)
    kept.reverse()
    return kept


class PromptBuilder:
    def __init__(self, images: Images) -> None:
        self._images = images

    async def request(
        self,
        system: ChatMessage,
        dialog: Sequence[ChatMessage],
        budget: Budget,
        wanted: ModelRequest,
    ) -> ModelRequest:
        """`wanted` (the chat's model and options), trimmed, with the images it shows."""
        if not any(message.images for message in dialog):
            return replace(wanted, messages=trim_history(system, dialog, budget))
        messages = trim_history(system, limit_images(dialog, budget), budget)
        urls: dict[str, str] = {}
        for index, message in enumerate(messages):
            missing = 0
            for file_id in message.images:
                try:
                    urls[file_id] = await self._images.data_url(file_id)
                except Unreadable as problem:
                    logger.warning("chat={} image not fetched: {}", _chat_id(wanted), problem)
                    missing += 1
            if missing:
                shown = tuple(f for f in message.images if f in urls)
                messages[index] = replace(without_images(message, missing), images=shown)
        return replace(wanted, messages=messages, images=urls)


def _chat_id(request: ModelRequest) -> int | None:
    return request.chat.chat_id if request.chat is not None else None
