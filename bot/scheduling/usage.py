"""Per-user tokens and the bot's day in figures, per UTC day: quotas, /usage and /stats.

Adapters: `MemoryUsage` here, `RedisUsage` (bot/scheduling/redis_usage.py) for replicas.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_DAY = 86400
_named: tuple[int, str] = (-1, "")


def utc_day() -> str:
    """Today's UTC date, `2026-01-31`; formatted once a day, not once a turn."""
    global _named
    number = int(time.time() // _DAY)
    if _named[0] != number:
        _named = (number, datetime.fromtimestamp(number * _DAY, UTC).strftime("%Y-%m-%d"))
    return _named[1]


def until_reset(now: datetime | None = None) -> timedelta:
    """Time left until the next UTC midnight, when every quota starts afresh."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - now


class Tally:
    """Tokens the model calls of running turns used, until their turn's end records them."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[int, int], int] = {}

    def add(self, chat_id: int, user_id: int, tokens: int) -> None:
        key = (chat_id, user_id)
        self._tokens[key] = self._tokens.get(key, 0) + tokens

    def take(self, chat_id: int, user_id: int) -> int:
        return self._tokens.pop((chat_id, user_id), 0)


@dataclass(frozen=True, slots=True)
class DayStats:
    users: int = 0
    turns: int = 0
    tokens: int = 0
    errors: int = 0
    rate_limited: int = 0


class UsageStore(ABC):
    @abstractmethod
    async def tokens_today(self, user_id: int) -> int: ...

    @abstractmethod
    async def count_turn(self, user_id: int, tokens: int, *, failed: bool) -> None:
        """A turn's end with the tokens its model calls used: one write per turn."""

    @abstractmethod
    async def count_rate_limited(self) -> None: ...

    @abstractmethod
    async def today(self) -> DayStats: ...


@dataclass(slots=True)
class _Day:
    name: str
    tokens: Counter[int] = field(default_factory=Counter)
    turns: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    rate_limited: int = 0


class MemoryUsage(UsageStore):
    """Today only: yesterday's figures go at midnight, so memory stays bounded by users."""

    def __init__(self) -> None:
        self._day = _Day(utc_day())

    def _today(self) -> _Day:
        name = utc_day()
        if self._day.name != name:
            self._day = _Day(name)
        return self._day

    async def tokens_today(self, user_id: int) -> int:
        return self._today().tokens[user_id]

    async def count_turn(self, user_id: int, tokens: int, *, failed: bool) -> None:
        day = self._today()
        day.turns[user_id] += 1
        if tokens:
            day.tokens[user_id] += tokens
        day.errors += int(failed)

    async def count_rate_limited(self) -> None:
        self._today().rate_limited += 1

    async def today(self) -> DayStats:
        day = self._today()
        return DayStats(
            users=len(day.turns),
            turns=sum(day.turns.values()),
            tokens=sum(day.tokens.values()),
            errors=day.errors,
            rate_limited=day.rate_limited,
        )
