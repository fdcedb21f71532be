"""Memory mode's BudgetStore: one process, so the scheduler's own view is the whole truth."""

from __future__ import annotations

from bot.storage.base import BudgetStore


class MemoryBudgetStore(BudgetStore):
    def __init__(self) -> None:
        self._budgets: dict[str, str] = {}

    async def load(self, model: str) -> str | None:
        return self._budgets.get(model)

    async def save(self, model: str, encoded: str) -> None:
        self._budgets[model] = encoded
