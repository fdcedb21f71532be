"""The memory backend: nothing to install, everything forgotten on restart."""

from __future__ import annotations

from typing import Self

from bot.storage.base import Backend, BudgetStore, RateLimiter, RetiredModels, StorageOptions
from bot.storage.memory.budget import MemoryBudgetStore
from bot.storage.memory.dialog import MemoryDialogStore
from bot.storage.memory.fsm import MemoryFSMStorage
from bot.storage.memory.rate_limit import MemoryRateLimiter
from bot.storage.memory.retired import MemoryRetiredModels
from bot.storage.memory.turns import MemoryTurnStorage
from bot.storage.memory.usage import MemoryUsage


class MemoryBackend(Backend):
    schemes = ("memory",)

    def __init__(self, options: StorageOptions) -> None:
        self.dialogs = MemoryDialogStore(
            max_messages=options.max_messages,
            ttl_seconds=options.ttl_seconds,
            max_dialogs=options.max_dialogs,
        )
        # Reads create nothing and quiet chats' states expire with their dialogs.
        self.fsm_storage = MemoryFSMStorage(options.ttl_seconds)
        self.usage = MemoryUsage()
        self.turns = MemoryTurnStorage(self.dialogs, self.fsm_storage, self.usage)

    @classmethod
    def from_url(cls, url: str, options: StorageOptions) -> Self:
        if url != "memory://":
            raise ValueError("takes nothing after memory://")
        return cls(options)

    def shared_inbox(self) -> None:
        return None  # turns wait in the process: the local placement

    def rate_limiter(self, limit: int, window: float) -> RateLimiter:
        return MemoryRateLimiter(limit, window)

    def budget_store(self) -> BudgetStore:
        return MemoryBudgetStore()

    def retired_models(self) -> RetiredModels:
        return MemoryRetiredModels()

    async def start(self) -> None:
        return None  # memory is always there, and always of this release

    async def ready(self) -> bool:
        return True

    async def aclose(self) -> None:
        await self.fsm_storage.close()
