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
from typing import Any, ClassVar, Self

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
    max_dialogs: int = 50  # kept per chat, the current one included (MAX_DIALOGS)
    prefix: str = "groqbot"  # Redis only
    lease_ttl: float = 10.0  # Redis only


@dataclass(frozen=True, slots=True)
class DialogInfo:
    """One of a chat's dialogs, as /dialogs lists it."""

    id: str  # "" only for a current dialog kept from before dialogs were kept (never titled)
    title: str  # "" until the model titled it (or the user renamed it)
    last_at: float  # when its last message was written (Unix time)
    messages: int
    current: bool  # the dialog the chat's next message continues
    earlier: bool = False  # the history an upgrade found: "Earlier dialog" until renamed


class DialogStore(ABC):
    """Each chat's dialogs: the current one, which turns read and a turn's end writes
    (TurnStorage), and the earlier ones kept for /dialogs, at most `max_dialogs`, the least
    recently used going first; each dialog is forgotten `ttl_seconds` after its last write."""

    @abstractmethod
    async def load(self, key: ChatKey) -> list[ChatMessage]:
        """The current dialog's messages, oldest first; a new list the caller may change."""

    @abstractmethod
    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage], *, opens: str = ""
    ) -> None:
        """Drop the last `count` messages and append `messages`, as one change, keeping only
        the newest `max_messages` (a turn's end writes its pair with it: TurnStorage). With
        `opens`, the messages begin a new current dialog of that id."""

    @abstractmethod
    async def begin(self, key: ChatKey) -> None:
        """A new, empty current dialog; the one it replaces is kept among the earlier ones."""

    @abstractmethod
    async def dialogs(self, key: ChatKey) -> list[DialogInfo]:
        """The chat's dialogs that have messages, the most recently written first."""

    @abstractmethod
    async def resume(self, key: ChatKey, dialog_id: str) -> DialogInfo | None:
        """Make an earlier dialog the current one (the current is kept among the earlier);
        None when there is no such dialog (any more)."""

    @abstractmethod
    async def rename(self, key: ChatKey, dialog_id: str, title: str) -> bool:
        """Title a dialog; False when there is no such dialog."""

    @abstractmethod
    async def delete(self, key: ChatKey, dialog_id: str) -> bool:
        """Forget a dialog (the current one too: the chat then starts afresh)."""


@dataclass(frozen=True, slots=True)
class DayStats:
    users: int = 0
    turns: int = 0
    tokens: int = 0
    errors: int = 0
    rate_limited: int = 0


@dataclass(frozen=True, slots=True)
class Reserved:
    """Tokens counted for a user's day ahead of a turn's model call (the quota's reservation,
    bot/scheduling/quota.py); the turn's end takes them back from that day, counting the real
    tokens instead."""

    day: str  # the UTC day they were counted on (bot/core/days.py)
    tokens: int


class UsageStore(ABC):
    """Per-user tokens and the bot's day in figures, per UTC day: quotas, /usage and /stats;
    a turn's tokens are counted with its end (TurnStorage), its reservations before its calls,
    where every replica sees them."""

    @abstractmethod
    async def tokens_today(self, user_id: int) -> int:
        """The user's tokens today, the reservations of running turns included."""

    @abstractmethod
    async def reserve(self, user_id: int, tokens: int, *, quota: int) -> Reserved | None:
        """Count `tokens` for the user's day now, unless the day's count (reservations
        included) is at `quota` already: then None, and nothing counted. One step, so turns
        at once on any replica cannot all pass."""

    @abstractmethod
    async def correct(self, user_id: int, tokens: int, reserved: Sequence[Reserved]) -> None:
        """Tokens used outside a turn's end: a turn whose end is never written (a reset
        cancelled it, its lease was lost), its reservations taken back; a dialog's title, with
        none. Counted for the day, without counting a turn."""

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
    opens: str = ""  # the pair begins the dialog: its id, so its title can find it later


@dataclass(frozen=True, slots=True)
class Conclusion:
    turn: Turn
    tokens: int  # its model calls' tokens (and Whisper's audio, as tokens: Quota.total)
    failed: bool  # counted as an error in /stats
    reserved: tuple[Reserved, ...] = ()  # taken back by the end, which counts `tokens` instead
    commit: Commit | None = None  # None: nothing for the history
    lease: str | None = None  # the token of the chat's lease the turn ran under, if leased


class TurnStorage(ABC):
    """What a turn reads before the model call and writes at its end, one step each (one
    round trip with Redis): the load reads the chat's FSM data and committed history and, with
    a durable inbox, counts the turn's start; the conclusion commits the pair (when the answer
    was delivered and the dialog is still this one), counts the turn's tokens for the user's
    day in place of its reservations and, with a durable inbox, crosses the turn off it (its
    count of starts with it); under a chat's lease, only while that lease is still the turn's
    own. Neither writes the chat's state: its placement does (bot/conversation/placement.py)."""

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

    schemes: ClassVar[tuple[str, ...]]  # the STORAGE_URL schemes it takes, "redis" for redis://
    dialogs: DialogStore
    fsm_storage: BaseStorage  # aiogram's FSM storage: the chat's state and data
    usage: UsageStore
    turns: TurnStorage

    @classmethod
    @abstractmethod
    def from_url(cls, url: str, options: StorageOptions) -> Self:
        """The backend a URL of one of its schemes names, nothing contacted; a URL it cannot
        take is a ValueError whose words say why, without the URL (it may hold a password)."""

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
