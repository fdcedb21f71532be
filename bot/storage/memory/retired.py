"""Memory mode's RetiredModels: one process, one set."""

from __future__ import annotations

from bot.storage.base import RetiredModels


class MemoryRetiredModels(RetiredModels):
    def __init__(self) -> None:
        self._models: set[str] = set()

    async def add(self, model: str) -> bool:
        first = model not in self._models
        self._models.add(model)
        return first

    async def all(self) -> frozenset[str]:
        return frozenset(self._models)
