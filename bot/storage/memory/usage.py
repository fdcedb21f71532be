"""Memory mode's UsageStore: today's counts only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.days import utc_day
from bot.storage.base import DayStats, Reserved, UsageStore


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

    async def reserve(self, user_id: int, tokens: int, *, quota: int) -> Reserved | None:
        day = self._today()
        if day.tokens[user_id] >= quota:
            return None
        day.tokens[user_id] += tokens
        return Reserved(day.name, tokens)

    async def correct(self, user_id: int, tokens: int, reserved: Sequence[Reserved]) -> None:
        day = self._today()
        # An earlier day's reservations went with that day.
        change = tokens - sum(r.tokens for r in reserved if r.day == day.name)
        if change:
            day.tokens[user_id] += change

    async def count_turn(
        self, user_id: int, tokens: int, reserved: Sequence[Reserved], *, failed: bool
    ) -> None:
        """A turn's end (turns.py): its tokens in place of its reservations."""
        await self.correct(user_id, tokens, reserved)
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
