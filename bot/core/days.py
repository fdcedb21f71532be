"""The UTC day every quota and count is kept by."""

from __future__ import annotations

import time
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
