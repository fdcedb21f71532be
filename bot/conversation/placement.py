"""The placement port: how a chat's turns reach the one actor that answers them.

Adapters: `LocalPlacement` (bot/conversation/local.py: one process, in-memory inboxes) and
`LeasedPlacement` (bot/conversation/leased.py: a durable inbox, a lease per chat and a control
channel between replicas, bot/storage/inbox.py). Both keep the contract of
tests/unit/placement/; docs/architecture.md says what each guarantees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum

from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.core.turn import Turn


class Accepted(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # Telegram delivered this message before
    INBOX_FULL = "inbox_full"
    CLOSING = "closing"


class Placement(ABC):
    inbox_size: int

    @abstractmethod
    async def accept(self, key: ChatKey, turn: Turn) -> Accepted:
        """Queue a new message for its chat's actor; never reorders a chat's messages. A
        queued turn puts the chat's FSM state at `awaiting_reply` in the same step, before
        its actor can answer it; `idle` comes from the same placement, in the step that finds
        the chat's inbox empty (its `TurnFeed.refill`). Nothing else writes the state."""

    @abstractmethod
    async def interrupt(
        self, action: Action, key: ChatKey, message_id: int = 0, whose: Whose = EVERYONE
    ) -> Interrupted:
        """Act on the actor answering the chat, wherever it runs; a /cancel reaches only the
        turns `whose` covers, waiting ones and the one in progress alike."""

    @abstractmethod
    async def start(self) -> None:
        """Take up what an earlier run left unanswered; begin any upkeep."""

    @abstractmethod
    async def shutdown(self, timeout: float) -> list[Turn]:
        """Stop taking turns, let the queued ones finish within `timeout`, cancel the rest.

        Returns the turns nobody will answer, whose users should be told; a durable placement
        keeps them for the next start and returns none.
        """

    @abstractmethod
    def pending(self, key: ChatKey) -> int:
        """Turns of the chat held by an actor of this process, the one in progress included."""

    @abstractmethod
    def __len__(self) -> int:
        """Live actors in this process."""
