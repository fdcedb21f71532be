"""The in-memory DialogStore: the default, for one process that may forget on restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.dialog.messages import ChatMessage
from bot.dialog.store import DialogKey, DialogStore


class MemoryDialogStore(DialogStore):
    """Returns copies, so no caller can change a stored dialog behind the store's back.

    A dialog left alone for `ttl_seconds` is forgotten, as in Redis, so a long-running bot
    does not keep every chat it ever saw.
    """

    def __init__(
        self,
        *,
        max_messages: int,
        ttl_seconds: float = 30 * 86400,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self._max_messages = max_messages
        self._ttl = ttl_seconds
        self._clock = clock
        self._dialogs: dict[DialogKey, list[ChatMessage]] = {}
        self._expires: dict[DialogKey, float] = {}
        self._pruned_at = clock()

    async def check(self) -> None:
        return None  # memory is always there

    async def load(self, key: DialogKey) -> list[ChatMessage]:
        self._expire(key, self._clock())
        return list(self._dialogs.get(key, ()))

    async def append(self, key: DialogKey, messages: Sequence[ChatMessage]) -> None:
        await self.replace_last(key, 0, messages)

    async def replace_last(
        self, key: DialogKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        now = self._clock()
        self._expire(key, now)
        dialog = self._dialogs.setdefault(key, [])
        del dialog[len(dialog) - min(count, len(dialog)) :]
        dialog.extend(messages)
        del dialog[: -self._max_messages]
        self._expires[key] = now + self._ttl
        if now - self._pruned_at >= self._ttl:  # at most once per TTL: the chats gone quiet
            self._pruned_at = now
            for stale in [k for k, deadline in self._expires.items() if deadline <= now]:
                self._expire(stale, now)

    async def clear(self, key: DialogKey) -> None:
        self._dialogs.pop(key, None)
        self._expires.pop(key, None)

    async def aclose(self) -> None:
        self._dialogs.clear()
        self._expires.clear()

    def _expire(self, key: DialogKey, now: float) -> None:
        if self._expires.get(key, now + 1) <= now:
            self._dialogs.pop(key, None)
            self._expires.pop(key, None)
