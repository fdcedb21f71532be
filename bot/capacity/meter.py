"""Where turn endings and the model's responses become metrics and the day's figures.

`TurnMeter` is the runner's `on_ended` (every turn passes bot/conversation/outcomes.py's
`log_outcome` just before); `LimitWatch` is the Groq adapter's `on_headers`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from loguru import logger

from bot.capacity.headers import read_limits
from bot.capacity.metrics import Metrics
from bot.capacity.scheduler import Scheduler
from bot.capacity.usage import UsageStore
from bot.core.errors import StorageUnavailable
from bot.core.outcomes import Outcome
from bot.core.turn import Turn


class TurnMeter:
    """Metrics only: the day's counts are written with the turn's end (bot/storage/turns.py)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, turn: Turn, outcome: Outcome, seconds: float) -> None:
        self._metrics.turn_ended(outcome.ending.name.lower(), seconds)


class LimitWatch:
    """Every Groq response's rate-limit headers to the scheduler; 429s counted."""

    def __init__(self, scheduler: Scheduler, metrics: Metrics, usage: UsageStore) -> None:
        self._scheduler = scheduler
        self._metrics = metrics
        self._usage = usage
        self._counting: set[asyncio.Task[None]] = set()

    def __call__(self, model: str, headers: Mapping[str, str], status: int) -> None:
        reading = read_limits(headers)
        self._scheduler.observe(model, reading)
        if status != 429:
            return
        self._metrics.rate_limited.inc()
        logger.info("model={} rate limited (retry after {}s)", model, reading.retry_after)
        task = asyncio.create_task(self._count())
        self._counting.add(task)
        task.add_done_callback(self._counting.discard)

    async def _count(self) -> None:
        try:
            await self._usage.count_rate_limited()
        except StorageUnavailable as error:
            logger.warning("429 not counted: {}", error)
