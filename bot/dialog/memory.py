"""The in-memory DialogStore: the default, for one process that may forget on restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.dialog.messages import ChatMessage
from bot.dialog.store import DialogStore
from bot.domain import ChatKey


@dataclass(slots=True)
class _Dialog:
    expires_at: float
    messages: list[ChatMessage] = field(default_factory=list)


class MemoryDialogStore(DialogStore):
    """Returns copies, so no caller can change a stored dialog behind the store's back.

    A dialog left alone for `ttl_seconds` is forgotten, as in Redis, so a long-running bot
    does not keep every chat it ever saw.
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
        self._ttl = ttl_seconds
        self._clock = clock
        self._dialogs: dict[ChatKey, _Dialog] = {}
        self._pruned_at = clock()

    async def load(self, key: ChatKey) -> list[ChatMessage]:
        dialog = self._dialogs.get(key)
        if dialog is None or dialog.expires_at <= self._clock():
            return []
        return list(dialog.messages)

    async def append(self, key: ChatKey, messages: Sequence[ChatMessage]) -> None:
        await self.replace_last(key, 0, messages)

    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        now = self._clock()
        dialog = self._dialogs.get(key)
        if dialog is None or dialog.expires_at <= now:
            dialog = self._dialogs[key] = _Dialog(now)
        kept = dialog.messages
        del kept[len(kept) - min(count, len(kept)) :]
        kept.extend(messages)
        del kept[: -self._max_messages]
        dialog.expires_at = now + self._ttl
        if now - self._pruned_at >= self._ttl:  # at most once per TTL: the chats gone quiet
            self._pruned_at = now
            for stale in [k for k, d in self._dialogs.items() if d.expires_at <= now]:
                del self._dialogs[stale]

    async def clear(self, key: ChatKey) -> None:
        self._dialogs.pop(key, None)
