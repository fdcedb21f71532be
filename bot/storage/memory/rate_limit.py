"""The in-memory RateLimiter: one process's count, for memory mode (one process)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot.core.expiring import ExpiringMap
from bot.storage.base import RateLimiter


class MemoryRateLimiter(RateLimiter):
    """Decides without suspending; a user quiet for a window is forgotten."""

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self._limit = limit
        self._window = window
        self._clock = clock
        # The key expires a window after the user's last admitted message: by then every
        # stamp has left the window too.
        self._seen: ExpiringMap[int, deque[float]] = ExpiringMap(window, clock=clock)

    @property
    def size(self) -> int:
        """Users remembered, quiet ones not pruned yet included."""
        return len(self._seen)

    async def admit(self, user_id: int) -> bool:
        now = self._clock()
        stamps = self._seen.get(user_id) or deque()
        while stamps and now - stamps[0] >= self._window:
            stamps.popleft()
        if len(stamps) >= self._limit:
            self._seen.prune(now)
            return False
        stamps.append(now)
        self._seen.set(user_id, stamps)
        return True
