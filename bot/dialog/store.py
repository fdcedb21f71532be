"""The DialogStore port: where each chat's committed history lives between turns.

Adapters: bot/dialog/memory.py and bot/dialog/redis.py; the backend picks one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage


class DialogStore(ABC):
    """Committed history only: a turn appends its user+assistant pair after delivery."""

    @abstractmethod
    async def load(self, key: ChatKey) -> list[ChatMessage]:
        """The dialog's messages, oldest first; a new list the caller may change."""

    @abstractmethod
    async def append(self, key: ChatKey, messages: Sequence[ChatMessage]) -> None:
        """Add messages at the end, keeping only the newest `max_messages`."""

    @abstractmethod
    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        """Drop the last `count` messages and append `messages`, as one change (/retry)."""

    @abstractmethod
    async def clear(self, key: ChatKey) -> None:
        """Forget the dialog."""
