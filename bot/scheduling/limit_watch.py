"""Every Groq response's rate-limit headers to the scheduler, and its 429s counted: the Groq
adapter's `watch_limits` hook."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from loguru import logger

from bot.core.errors import StorageUnavailable
from bot.metrics.metrics import Metrics
from bot.scheduling.budget import read_limits
from bot.scheduling.scheduler import Scheduler
from bot.storage.base import UsageStore


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
