"""The Grafana dashboard's panels (ops/grafana/dashboards/bot.json), drawn from the bot's own
metrics registry as the bench's limited-Groq run of ours goes: the picture docs/operations.md shows
of what an operator sees. The same series and the same sums as the dashboard's queries
(rates, histogram quantiles over a short window); only the sampling is in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

PICTURE = Path(__file__).with_name("dashboard.svg")
EVERY = 0.5  # seconds between samples, as a scrape interval
WINDOW = 5.0  # seconds a rate or a quantile looks back, as the dashboard's [1m] scaled down

Sample = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Tape:
    """Every sample of the registry, with its time since the first."""

    times: list[float] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def value(self, index: int, name: str, **labels: str) -> float:
        return self.samples[index].get((name, tuple(sorted(labels.items()))), 0.0)

    def labels(self, name: str, label: str) -> list[str]:
        seen = {dict(k[1]).get(label, "") for s in self.samples for k in s if k[0] == name}
        return sorted(seen - {""})


def _read(registry: CollectorRegistry) -> Sample:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for metric in registry.collect()
        for s in metric.samples
    }


@contextlib.asynccontextmanager
async def recording(registry: CollectorRegistry) -> AsyncIterator[Tape]:
    """Samples `registry` every EVERY seconds while the block runs."""
    tape = Tape()
    started = time.perf_counter()

    async def sample() -> None:
        while True:
            tape.times.append(time.perf_counter() - started)
            tape.samples.append(_read(registry))
            await asyncio.sleep(EVERY)

    task = asyncio.create_task(sample())
    try:
        yield tape
    finally:
        task.cancel()
        await asyncio.wait({task})
        tape.times.append(time.perf_counter() - started)
        tape.samples.append(_read(registry))


def _back(tape: Tape, index: int) -> int:
    """The sample WINDOW seconds before `index` (or the first)."""
    start = index
    while start > 0 and tape.times[index] - tape.times[start - 1] <= WINDOW:
        start -= 1
    return start


def rate(tape: Tape, name: str, **labels: str) -> list[float]:
    """Per second over the last WINDOW, as `rate(...)` is."""
    rates = []
    for i in range(len(tape.times)):
        j = _back(tape, i)
        span = tape.times[i] - tape.times[j]
        change = tape.value(i, name, **labels) - tape.value(j, name, **labels)
        rates.append(change / span if span > 0 else 0.0)
    return rates


def quantile(tape: Tape, q: float, histogram: str) -> list[float]:
    """`histogram_quantile(q, rate(<histogram>_bucket[WINDOW]))`: linear within a bucket."""
    bucket = f"{histogram}_bucket"
    # The `le` labels as the registry wrote them, in order: read back as they are, not rebuilt.
    les = sorted((dict(key[1])["le"] for key in tape.samples[-1] if key[0] == bucket), key=float)
    bounds = [float(le) for le in les]
    series = []
    for i in range(len(tape.times)):
        j = _back(tape, i)
        counts = [tape.value(i, bucket, le=le) - tape.value(j, bucket, le=le) for le in les]
        series.append(_bucket_quantile(q, bounds, counts))
    return series


def _bucket_quantile(q: float, bounds: list[float], cumulative: list[float]) -> float:
    total = cumulative[-1] if cumulative else 0.0
    if total <= 0:
        return math.nan
    rank, lower, below = q * total, 0.0, 0.0
    for bound, count in zip(bounds, cumulative, strict=True):
        if count >= rank:
            if math.isinf(bound):
                return lower  # as Prometheus: the highest finite bound
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = bound, count
    return lower


def draw(tape: Tape, path: Path = PICTURE) -> Path:
    """The dashboard's panels, two rows of three, in its order."""
    figure, axes = plt.subplots(2, 3, figsize=(14, 6.5), sharex=True)
    t = tape.times
    live, turns, tokens = axes[0]
    turn_time, wait, refused = axes[1]
    live.plot(t, [tape.value(i, "bot_live_conversations") for i in range(len(t))])
    live.set_title("Live conversations")
    for outcome in tape.labels("bot_turns_total", "outcome"):
        turns.plot(t, rate(tape, "bot_turns_total", outcome=outcome), label=outcome)
    turns.set_title("Turns / s by outcome")
    for direction in ("prompt", "completion"):
        series = rate(tape, "bot_model_tokens_total", direction=direction)
        tokens.plot(t, series, label=direction)
    tokens.set_title("Model tokens / s")
    for q in (0.5, 0.99):
        turn_time.plot(t, quantile(tape, q, "bot_turn_seconds"), label=f"p{q * 100:g}")
        wait.plot(t, quantile(tape, q, "bot_queue_wait_seconds"), label=f"p{q * 100:g}")
    turn_time.set_title("Turn time (s)")
    wait.set_title("Wait for the model's budget (s)")
    refused.plot(t, rate(tape, "bot_model_rate_limited_total"), label="Groq")
    refused.plot(t, rate(tape, "bot_telegram_retry_after_total"), label="Telegram")
    refused.set_title("429s / s")
    for axis in (turns, tokens, turn_time, wait, refused):
        axis.legend(fontsize=8)
    for axis in axes[1]:
        axis.set_xlabel(f"seconds into the run (rates and quantiles over {WINDOW:g} s)")
    figure.tight_layout()
    figure.savefig(path, metadata={"Date": None})
    plt.close(figure)
    return path
