"""The bot's Prometheus metrics, in a registry of its own per Dispatcher (tests run several
bots in one process; a module-global registry would mix their counts)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as CONTENT_TYPE

from bot.core.outcomes import Outcome
from bot.core.turn import Turn

__all__ = ["CONTENT_TYPE", "Metrics"]

_TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)
_WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turns = Counter("bot_turns", "Turns by how they ended", ["outcome"], registry=r)
        self.tokens = Counter(
            "bot_model_tokens", "Tokens the model counted", ["direction"], registry=r
        )
        self.rate_limited = Counter(
            "bot_model_rate_limited", "429 responses from the model", registry=r
        )
        self.retry_after = Counter(
            "bot_telegram_retry_after", "Flood-wait (429) answers from Telegram", registry=r
        )
        self.turn_seconds = Histogram(
            "bot_turn_seconds",
            "A turn from its start to its end",
            buckets=_TURN_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "bot_queue_wait_seconds",
            "Time a model call waited for the budget",
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self.model_retired = Counter(
            "bot_model_retired", "Models Groq retired, met by this replica", ["model"], registry=r
        )
        self.live = Gauge("bot_live_conversations", "Chats with a live actor", registry=r)
        self._prompt = self.tokens.labels(direction="prompt")
        self._completion = self.tokens.labels(direction="completion")
        self._outcomes: dict[str, Counter] = {}

    def count_live(self, count: Callable[[], float]) -> None:
        self.live.set_function(count)

    def turn_ended(self, outcome: str, seconds: float) -> None:
        counter = self._outcomes.get(outcome)
        if counter is None:  # `labels` looks the child up under a lock: once per outcome
            counter = self._outcomes[outcome] = self.turns.labels(outcome=outcome)
        counter.inc()
        self.turn_seconds.observe(seconds)

    def used_tokens(self, prompt: int, completion: int) -> None:
        self._prompt.inc(prompt)
        self._completion.inc(completion)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class TurnMeter:
    """The runner's `on_ended`: every turn's ending and time (bot/conversation/outcomes.py
    logged it just before); the day's counts are written with the turn's end."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, turn: Turn, outcome: Outcome, seconds: float) -> None:
        self._metrics.turn_ended(outcome.ending.name.lower(), seconds)
