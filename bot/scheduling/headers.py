"""Groq's rate-limit headers, read into numbers the scheduler can plan with.

Groq sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` on every response and
`retry-after` (seconds) on a 429; resets look like `2m59.56s`, `7.66s` or `120ms`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

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
