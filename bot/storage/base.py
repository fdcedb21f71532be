"""The storage contract: every port a technology implements, and the backend that bundles them.

As aiogram's `fsm/storage/base.py` is to its `memory.py` and `redis.py`: one folder per
technology implements these (bot/storage/memory/, bot/storage/redis/), each importing only
this contract, the bot's core and its own driver; the composition root alone imports an
adapter, picked from STORAGE_URL. The durable inbox of the leased placement has its ports in
bot/storage/inbox.py. docs/architecture.md, "Storage and the backends".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.storage.base import BaseStorage

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.core.turn import Turn
from bot.storage.inbox import SharedInbox


@dataclass(frozen=True, slots=True)
class StorageOptions:
    bot_id: int
    max_messages: int  # kept per dialog
    ttl_seconds: int  # a quiet dialog, and its FSM state, are forgotten after this
    prefix: str = "groqbot"  # Redis only
    lease_ttl: float = 10.0  # Redis only


class DialogStore(ABC):
    """Each chat's committed history between turns; a turn's end writes it (TurnStorage)."""

    @abstractmethod
    async def load(self, key: ChatKey) -> list[ChatMessage]:
        """The dialog's messages, oldest first; a new list the caller may change."""

    @abstractmethod
    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        """Drop the last `count` messages and append `messages`, as one change, keeping only
        the newest `max_messages` (a turn's end writes its pair with it: TurnStorage)."""

    @abstractmethod
    async def clear(self, key: ChatKey) -> None:
        """Forget the dialog."""


@dataclass(frozen=True, slots=True)
class DayStats:
    users: int = 0
    turns: int = 0
    tokens: int = 0
    errors: int = 0
    rate_limited: int = 0


class UsageStore(ABC):
    """Per-user tokens and the bot's day in figures, per UTC day: quotas, /usage and /stats;
    a turn's tokens are counted with its end (TurnStorage)."""

    @abstractmethod
    async def tokens_today(self, user_id: int) -> int: ...

    @abstractmethod
    async def count_rate_limited(self) -> None: ...

    @abstractmethod
    async def today(self) -> DayStats: ...


class BudgetStore(ABC):
    """Each model's rate-limit budget as last seen (its encoded form: bot/scheduling/budget.py),
    where every replica's scheduler reads it; advisory: failures only cost accuracy."""

    @abstractmethod
    async def load(self, model: str) -> str | None: ...

    @abstractmethod
    async def save(self, model: str, encoded: str) -> None: ...


class RateLimiter(ABC):
    """At most `limit` admitted messages per user in any sliding `window` of seconds."""

    @abstractmethod
    async def admit(self, user_id: int) -> bool:
        """Count the message and say yes, or say no (a refused message is not counted)."""


class RetiredModels(ABC):
    """The models Groq retired while the bot ran (bot/llm/catalog.py), seen by every replica."""

    @abstractmethod
    async def add(self, model: str) -> bool:
        """Remember `model` as retired; True for the first to do so, everywhere."""

    @abstractmethod
    async def all(self) -> frozenset[str]:
        """Every model retired so far."""


class LeaseLost(Exception):
    """The chat's lease is no longer the one the turn ran under: its end was not written, and
    the chat's new holder answers the turn."""


@dataclass(frozen=True, slots=True)
class Loaded:
    data: dict[str, Any]  # the chat's FSM data: its settings (bot/chat_settings/) among them
    history: list[ChatMessage]  # committed, oldest first; the caller's to change
    # Earlier starts of this turn that never wrote its end: with a durable inbox, each was a
    # process that died in the turn (or cut it at its shutdown deadline). 0 without one.
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Commit:
    """The turn's messages for the history, replacing its last `replaced` (/retry: a pair)."""

    replaced: int
    messages: tuple[ChatMessage, ...]


@dataclass(frozen=True, slots=True)
class Conclusion:
    turn: Turn
    tokens: int  # prompt and completion tokens of the turn's model calls
    failed: bool  # counted as an error in /stats
    commit: Commit | None = None  # None: nothing for the history
    idle: bool = False  # nothing else waits for the chat's actor: its state goes back to idle
    lease: str | None = None  # the token of the chat's lease the turn ran under, if leased


class TurnStorage(ABC):
    """What a turn reads before the model call and writes at its end, one step each (one
    round trip with Redis): the load reads the chat's FSM data and committed history and, with
    a durable inbox, counts the turn's start; the conclusion commits the pair (when the answer
    was delivered and the dialog is still this one), counts the turn's tokens for the user's
    day, sets the chat's FSM state back to idle when nothing else waits for its actor and, with
    a durable inbox, crosses the turn off it (its count of starts with it); under a chat's
    lease, only while that lease is still the turn's own."""

    @abstractmethod
    async def load(self, key: ChatKey, turn: Turn) -> Loaded:
        """The chat's FSM data and committed history, read together; with a durable inbox,
        in the same step, one more start of `turn` counted, and the earlier ones returned."""

    @abstractmethod
    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        """Everything the turn's end writes, as one change: no other write lands between its
        parts (with Redis, one MULTI/EXEC, or one script when fenced by a lease). Raises
        `LeaseLost`, having written nothing, when the conclusion's lease is another's now."""


class Backend(ABC):
    """Everything STORAGE_URL decides, over one storage and its connections; built once by
    the composition root; nothing is contacted until `start`."""

    dialogs: DialogStore
    fsm_storage: BaseStorage  # aiogram's FSM storage: the chat's state and data
    usage: UsageStore
    turns: TurnStorage

    @abstractmethod
    def shared_inbox(self) -> SharedInbox | None:
        """The durable inbox, leases and control channel replicas share (the leased
        placement); None where turns wait in the process (the local placement)."""

    @abstractmethod
    def rate_limiter(self, limit: int, window: float) -> RateLimiter:
        """Per-user counts where every replica of the bot sees them."""

    @abstractmethod
    def budget_store(self) -> BudgetStore: ...

    @abstractmethod
    def retired_models(self) -> RetiredModels: ...

    @abstractmethod
    async def start(self) -> None:
        """Check the storage answers (StorageUnavailable if not) and bring its data up to date."""

    @abstractmethod
    async def ready(self) -> bool:
        """Whether the storage answers now (the webhook's /readyz)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close every connection, once."""
