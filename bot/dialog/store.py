"""The DialogStore port: where each chat's committed history lives between turns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from bot.dialog.messages import ChatMessage


@dataclass(frozen=True, slots=True)
class DialogKey:
    """One dialog per bot and chat, like aiogram's StorageKey under the CHAT strategy."""

    bot_id: int
    chat_id: int


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class StorageUnavailable(Exception):
    """The store cannot be reached now (Redis down); the user is told to try again later."""


class DialogStore(ABC):
    """Committed history only: a turn appends its user+assistant pair after delivery."""

    @classmethod
    def from_url(
        cls, url: str, *, max_messages: int, ttl_seconds: int = 30 * 86400, prefix: str = "groqbot"
    ) -> DialogStore:
        """The adapter a STORAGE_URL names: `memory://`, or `redis://` / `rediss://`."""
        if url == "memory://":
            from bot.dialog.memory import MemoryDialogStore

            return MemoryDialogStore(max_messages=max_messages, ttl_seconds=ttl_seconds)
        if url.startswith(REDIS_SCHEMES):
            from bot.dialog.redis import RedisDialogStore

            return RedisDialogStore.connect(
                url, max_messages=max_messages, ttl_seconds=ttl_seconds, prefix=prefix
            )
        raise ValueError(f"unsupported storage URL scheme: {url.split(':', 1)[0]!r}")

    @abstractmethod
    async def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be reached (checked at start)."""

    @abstractmethod
    async def load(self, key: DialogKey) -> list[ChatMessage]:
        """The dialog's messages, oldest first; a new list the caller may change."""

    @abstractmethod
    async def append(self, key: DialogKey, messages: Sequence[ChatMessage]) -> None:
        """Add messages at the end, keeping only the newest `max_messages`."""

    @abstractmethod
    async def replace_last(
        self, key: DialogKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        """Drop the last `count` messages and append `messages`, as one change (/retry)."""

    @abstractmethod
    async def clear(self, key: DialogKey) -> None:
        """Forget the dialog."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; called once on shutdown."""
