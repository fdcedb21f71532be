"""The TurnStorage port: what a turn reads before the model call and writes at its end.

Each is one step, one round trip with Redis (docs/architecture.md, "The path of a message"):
the load reads the chat's settings and committed history; the conclusion commits the pair
(when the answer was delivered and the dialog is still this one), counts the tokens of the
turn's model calls for the user's day, sets the chat's FSM state back to idle when nothing
else waits for its actor and, with a durable inbox, crosses the turn off it; under a chat's
lease (the leased placement), only while that lease is still the turn's own.
Adapters: memory_turns.py and redis_turns.py; the backend picks one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from bot.chat_settings.model import ChatSettings
from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.core.turn import Turn


class LeaseLost(Exception):
    """The chat's lease is no longer the one the turn ran under: its end was not written, and
    the chat's new holder answers the turn."""


@dataclass(frozen=True, slots=True)
class Loaded:
    settings: ChatSettings
    history: list[ChatMessage]  # committed, oldest first; the caller's to change


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
    @abstractmethod
    async def load(self, key: ChatKey) -> Loaded:
        """The chat's settings and committed history, read together."""

    @abstractmethod
    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        """Everything the turn's end writes, as one change: no other write lands between its
        parts (with Redis, one MULTI/EXEC, or one script when fenced by a lease). Raises
        `LeaseLost`, having written nothing, when the conclusion's lease is another's now."""
