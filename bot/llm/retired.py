"""The models Groq retired while the bot ran, remembered where every replica sees them.

A model Groq answers `model_decommissioned` or `model_not_found` for is retired once, by the
first replica that meets it (which tells the admins); the others read it from here
(docs/architecture.md, "Models").
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class RetiredModels(ABC):
    @abstractmethod
    async def add(self, model: str) -> bool:
        """Remember `model` as retired; True for the first to do so, everywhere."""

    @abstractmethod
    async def all(self) -> frozenset[str]:
        """Every model retired so far."""


class MemoryRetiredModels(RetiredModels):
    def __init__(self) -> None:
        self._models: set[str] = set()

    async def add(self, model: str) -> bool:
        first = model not in self._models
        self._models.add(model)
        return first

    async def all(self) -> frozenset[str]:
        return frozenset(self._models)
