"""The in-memory DialogStore: the default, for one process that may forget on restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.core.chat import ChatKey
from bot.core.expiring import ExpiringMap
from bot.core.messages import ChatMessage
from bot.storage.base import DialogStore


class MemoryDialogStore(DialogStore):
    """Returns copies, so no caller can change a stored dialog behind the store's back.

    A dialog left alone for `ttl_seconds` is forgotten, as in Redis; every write prunes a few
    of the dialogs gone quiet, so memory follows the active chats, not every chat ever seen.
    """

    def __init__(
        self,
        *,
        max_messages: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self._max_messages = max_messages
        self._dialogs: ExpiringMap[ChatKey, list[ChatMessage]] = ExpiringMap(
            ttl_seconds, clock=clock
        )

    @property
    def size(self) -> int:
        """Dialogs held in memory, quiet ones not pruned yet included."""
        return len(self._dialogs)

    async def load(self, key: ChatKey) -> list[ChatMessage]:
        return list(self._dialogs.get(key) or [])

    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        kept = self._dialogs.get(key) or []
        del kept[len(kept) - min(count, len(kept)) :]
        kept.extend(messages)
        del kept[: -self._max_messages]
        self._dialogs.set(key, kept)

    async def clear(self, key: ChatKey) -> None:
        self._dialogs.pop(key)
