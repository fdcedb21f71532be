"""The memory backend: nothing to install, everything forgotten on restart."""

from __future__ import annotations

from bot.conversation.actors import ActorPool
from bot.conversation.local import LocalPlacement
from bot.conversation.placement import Placement
from bot.dialog.memory import MemoryDialogStore
from bot.limits.memory import MemoryRateLimiter
from bot.limits.port import RateLimiter
from bot.llm.retired import MemoryRetiredModels, RetiredModels
from bot.scheduling.budget import BudgetStore, MemoryBudgetStore
from bot.scheduling.usage import MemoryUsage
from bot.storage.backend import Backend, StorageOptions
from bot.storage.memory_fsm import MemoryFSMStorage
from bot.storage.memory_turns import MemoryTurnStorage
from bot.storage.urls import MEMORY_URL


class MemoryBackend(Backend):
    def __init__(self, options: StorageOptions) -> None:
        self.dialogs = MemoryDialogStore(
            max_messages=options.max_messages, ttl_seconds=options.ttl_seconds
        )
        # Reads create nothing and quiet chats' states expire with their dialogs.
        self.fsm_storage = MemoryFSMStorage(options.ttl_seconds)
        self.usage = MemoryUsage()
        self.turns = MemoryTurnStorage(self.dialogs, self.fsm_storage, self.usage)

    @classmethod
    def from_url(cls, url: str, options: StorageOptions) -> MemoryBackend:
        if url != MEMORY_URL:
            raise ValueError("the memory backend takes only memory://")
        return cls(options)

    def placement(self, pool: ActorPool, *, idle_timeout: float) -> Placement:
        return LocalPlacement(pool, idle_timeout=idle_timeout, fsm_storage=self.fsm_storage)

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
