"""The in-memory DialogStore: the default, for one process that may forget on restart."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialog.messages import ChatMessage
from bot.dialog.store import DialogKey, DialogStore


class MemoryDialogStore(DialogStore):
    """Returns copies, so no caller can change a stored dialog behind the store's back."""

    def __init__(self, *, max_messages: int) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self._max_messages = max_messages
        self._dialogs: dict[DialogKey, list[ChatMessage]] = {}

    async def check(self) -> None:
        return None  # memory is always there

    async def load(self, key: DialogKey) -> list[ChatMessage]:
        return list(self._dialogs.get(key, ()))

    async def append(self, key: DialogKey, messages: Sequence[ChatMessage]) -> None:
        await self.replace_last(key, 0, messages)

    async def replace_last(
        self, key: DialogKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        dialog = self._dialogs.setdefault(key, [])
        del dialog[len(dialog) - min(count, len(dialog)) :]
        dialog.extend(messages)
        del dialog[: -self._max_messages]

    async def clear(self, key: DialogKey) -> None:
        self._dialogs.pop(key, None)

    async def aclose(self) -> None:
        self._dialogs.clear()
