"""The capacity parts, built for the composition root (bot/app.py) in one call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson
from aiogram import Bot

from bot.capacity.meter import LimitWatch, TurnMeter
from bot.capacity.metrics import Metrics
from bot.capacity.metrics_server import MetricsServer
from bot.capacity.pacer import Pacer, PacingMiddleware
from bot.capacity.scheduled import Capacity, ScheduledModel
from bot.capacity.scheduler import Scheduler
from bot.capacity.usage import Tally
from bot.config import Settings
from bot.llm.port import ChatModel, Usage
from bot.storage.backend import Backend


@dataclass(frozen=True, slots=True)
class CapacityKit:
    metrics: Metrics
    model: ChatModel  # the scheduled model: quota, fair queue, fallback, then Groq
    tally: Tally  # the tokens of running turns, until their end counts them
    meter: TurnMeter
    server: MetricsServer | None


def build_capacity(
    settings: Settings,
    backend: Backend,
    model: ChatModel,
    bot: Bot,
    is_live: Callable[[str], bool] = lambda _: True,
) -> CapacityKit:
    metrics = Metrics()
    usage = backend.usage
    scheduler = Scheduler(backend.budget_store(), on_wait=metrics.queue_wait.observe)
    model.watch_limits(LimitWatch(scheduler, metrics, usage))

    def used(tokens: Usage) -> None:
        metrics.used_tokens(tokens.prompt_tokens, tokens.completion_tokens)

    capacity = Capacity(
        model=settings.groq_model,
        timeout=settings.groq_request_timeout,
        daily_tokens=settings.user_daily_tokens,
        fallback=settings.fallback_model,
    )
    tally = Tally()
    scheduled = ScheduledModel(
        model, scheduler, usage, tally, capacity, on_tokens=used, is_live=is_live
    )
    if settings.telegram_pacing:
        bot.session.middleware(PacingMiddleware(Pacer(), metrics.retry_after.inc))
    port = settings.metrics_port
    server = MetricsServer(metrics, settings.metrics_host, port) if port else None
    return CapacityKit(metrics, scheduled, tally, TurnMeter(metrics), server)


def json_dumps(value: object) -> str:
    """orjson for aiogram's session: it takes a str-returning dumps."""
    return orjson.dumps(value).decode()


json_loads = orjson.loads
