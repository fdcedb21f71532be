"""The backend port: everything STORAGE_URL decides, built once by the composition root.

A backend owns its connections and hands out the dialog store, aiogram's FSM storage, the
day's usage counts, a turn's reads and writes (over the three), and the placement of
conversations, all over the same storage. Adapters: memory.py (`memory://`) and
redis.py (`redis://`, `rediss://`, `unix://`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from aiogram.fsm.storage.base import BaseStorage

from bot.conversation.actors import ActorPool
from bot.conversation.placement import Placement
from bot.dialog.store import DialogStore
from bot.limits.port import RateLimiter
from bot.llm.retired import RetiredModels
from bot.scheduling.budget import BudgetStore
from bot.scheduling.usage import UsageStore
from bot.storage.turns import TurnStorage


@dataclass(frozen=True, slots=True)
class StorageOptions:
    bot_id: int
    max_messages: int  # kept per dialog
    ttl_seconds: int  # a quiet dialog, and its FSM state, are forgotten after this
    prefix: str = "groqbot"  # Redis only
    lease_ttl: float = 10.0  # Redis only


class Backend(ABC):
    dialogs: DialogStore
    fsm_storage: BaseStorage
    usage: UsageStore  # per-user tokens and the day's figures, where every replica sees them
    turns: TurnStorage  # a turn's load and conclusion, one step each

    @abstractmethod
    def placement(self, pool: ActorPool, *, idle_timeout: float) -> Placement:
        """How this backend gets a chat's turns to the actor that answers them."""

    @abstractmethod
    def rate_limiter(self, limit: int, window: float) -> RateLimiter:
        """Per-user counts where every replica of the bot sees them."""

    @abstractmethod
    def budget_store(self) -> BudgetStore:
        """Each model's budget as last seen, where every replica's scheduler reads it."""

    @abstractmethod
    def retired_models(self) -> RetiredModels:
        """The models Groq retired while the bot ran, seen by every replica."""

    @abstractmethod
    async def start(self) -> None:
        """Check the storage answers (StorageUnavailable if not) and bring its data up to date."""

    @abstractmethod
    async def ready(self) -> bool:
        """Whether the storage answers now (the webhook's /readyz)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close every connection, once."""
