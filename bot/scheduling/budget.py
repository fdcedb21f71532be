"""One model's budget: what Groq's rate-limit headers say of it, and the budget as last
seen: what is left, when it refills, and "blocked until".

Groq sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` on every response and
`retry-after` (seconds) on a 429; resets look like `2m59.56s`, `7.66s` or `120ms`. Each
response is read into a `LimitReading`, which the model's `ModelBudget` observes.

Times are wall-clock seconds (time.time), so replicas can share the figures through the
budget store (one small record per model, docs/architecture.md, "Scheduling and pacing").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


@dataclass(frozen=True, slots=True)
class LimitReading:
    """What one response said about the budget; None where it said nothing."""

    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None  # seconds from the response until full again
    reset_tokens: float | None = None
    limit_requests: int | None = None
    limit_tokens: int | None = None
    retry_after: float | None = None  # a 429's wait, in seconds

    @property
    def empty(self) -> bool:
        return self == _NOTHING


_NOTHING = LimitReading()


def parse_duration(text: str) -> float | None:
    """`1h2m3.5s`, `7.66s`, `120ms` or a bare number of seconds; None if unreadable."""
    text = text.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _SECONDS[unit] for number, unit in parts)


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return max(int(float(value)), 0)
    except ValueError:
        return None


def _duration(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    return parse_duration(value) if value is not None else None


def read_limits(headers: Mapping[str, str]) -> LimitReading:
    """The figures of one response's headers (names matched case-insensitively by httpx)."""
    return LimitReading(
        remaining_requests=_int(headers, "x-ratelimit-remaining-requests"),
        remaining_tokens=_int(headers, "x-ratelimit-remaining-tokens"),
        reset_requests=_duration(headers, "x-ratelimit-reset-requests"),
        reset_tokens=_duration(headers, "x-ratelimit-reset-tokens"),
        limit_requests=_int(headers, "x-ratelimit-limit-requests"),
        limit_tokens=_int(headers, "x-ratelimit-limit-tokens"),
        retry_after=_duration(headers, "retry-after"),
    )


_GUESS = 1.0  # seconds a refilled budget is trusted before it refills again unobserved


@dataclass(slots=True)
class ModelBudget:
    """None means "not known": the service has not said, so nothing is held back for it."""

    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    requests_reset_at: float = 0.0
    tokens_reset_at: float = 0.0
    limit_requests: int | None = None
    limit_tokens: int | None = None
    blocked_until: float = 0.0
    known: bool = False  # whether any response has told the figures yet
    # Calls let go and not back yet (this replica's): a refilled window already holds them.
    in_flight_requests: int = 0
    in_flight_tokens: int = 0

    def _refill(self, now: float) -> None:
        """Past a reset the budget is full again, as far as the limit is known, and counted
        down from there until a response says when the next reset is (or, should none come,
        for `_GUESS` seconds: a guess must not hold turns for ever)."""
        if now >= self.requests_reset_at and self.remaining_requests is not None:
            limit = self.limit_requests
            self.remaining_requests = None if limit is None else limit - self.in_flight_requests
            self.requests_reset_at = now + _GUESS
        if now >= self.tokens_reset_at and self.remaining_tokens is not None:
            limit = self.limit_tokens
            self.remaining_tokens = None if limit is None else limit - self.in_flight_tokens
            self.tokens_reset_at = now + _GUESS

    def wait_for(self, tokens: int, now: float) -> float:
        """Seconds until a call of about `tokens` fits; 0 when it fits now."""
        self._refill(now)
        if now < self.blocked_until:
            return self.blocked_until - now
        if self.remaining_requests is not None and self.remaining_requests < 1:
            return max(self.requests_reset_at - now, 0.0)
        left = self.remaining_tokens
        if left is not None and left < tokens:
            # A call bigger than the whole limit goes once the budget is full: the service
            # then decides, rather than the turn waiting for ever.
            if self.limit_tokens is not None and left >= self.limit_tokens:
                return 0.0
            return max(self.tokens_reset_at - now, 0.0)
        return 0.0

    def consume(self, tokens: int, now: float) -> None:
        self._refill(now)
        if self.remaining_requests is not None:
            self.remaining_requests = max(self.remaining_requests - 1, 0)
        if self.remaining_tokens is not None:
            self.remaining_tokens = max(self.remaining_tokens - tokens, 0)

    def observe(self, reading: LimitReading, now: float, since: tuple[int, int] = (0, 0)) -> None:
        """A response's figures, less what was released after its call (`since`: requests
        and tokens), which the service could not have counted when it answered."""
        self.known = True
        if reading.limit_requests is not None:
            self.limit_requests = reading.limit_requests
        if reading.limit_tokens is not None:
            self.limit_tokens = reading.limit_tokens
        if reading.remaining_requests is not None:
            self.remaining_requests = max(reading.remaining_requests - since[0], 0)
            self.requests_reset_at = now + (reading.reset_requests or 0.0)
        if reading.remaining_tokens is not None:
            self.remaining_tokens = max(reading.remaining_tokens - since[1], 0)
            self.tokens_reset_at = now + (reading.reset_tokens or 0.0)
        if reading.retry_after is not None:
            self.blocked_until = max(self.blocked_until, now + reading.retry_after)

    def merge(self, other: ModelBudget, now: float) -> None:
        """Another replica's figures: the stricter of both, so none overspends."""
        self._refill(now)
        other._refill(now)
        self.known = self.known or other.known
        self.blocked_until = max(self.blocked_until, other.blocked_until)
        self.limit_requests = self.limit_requests or other.limit_requests
        self.limit_tokens = self.limit_tokens or other.limit_tokens
        if other.remaining_requests is not None and (
            self.remaining_requests is None or other.remaining_requests < self.remaining_requests
        ):
            self.remaining_requests = other.remaining_requests
            self.requests_reset_at = other.requests_reset_at
        if other.remaining_tokens is not None and (
            self.remaining_tokens is None or other.remaining_tokens < self.remaining_tokens
        ):
            self.remaining_tokens = other.remaining_tokens
            self.tokens_reset_at = other.tokens_reset_at

    def encode(self) -> str:
        shared = asdict(self)
        del shared["in_flight_requests"], shared["in_flight_tokens"]
        return json.dumps(shared, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | bytes) -> ModelBudget:
        data = json.loads(raw)
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields and "in_flight" not in k})
