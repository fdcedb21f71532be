"""Per-user tokens and the bot's day in figures, per UTC day: quotas, /usage and /stats.

Adapters: `MemoryUsage` here, `RedisUsage` (bot/capacity/redis_usage.py) for replicas.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def utc_day(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


def until_reset(now: datetime | None = None) -> timedelta:
    """Time left until the next UTC midnight, when every quota starts afresh."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - now


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
    async def add_tokens(self, user_id: int, tokens: int) -> None: ...

    @abstractmethod
    async def count_turn(self, user_id: int, *, failed: bool) -> None: ...

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

    async def add_tokens(self, user_id: int, tokens: int) -> None:
        self._today().tokens[user_id] += tokens

    async def count_turn(self, user_id: int, *, failed: bool) -> None:
        day = self._today()
        day.turns[user_id] += 1
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
