"""A dict whose entries expire a fixed time after their last write, pruned a few at a time.

Every write moves its key to the back, and the TTL is the same for all, so the entries stay
in the order they expire: each write pops the expired ones off the front (at most `batch`),
which costs O(1) amortised and never scans the whole map (docs/architecture.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Reads create nothing and never see an expired entry, pruned or not yet."""

    def __init__(
        self,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        batch: int = 64,
    ) -> None:
        if ttl <= 0 or batch < 2:  # a batch of 2 or more drains faster than one write adds
            raise ValueError("ttl must be positive and batch at least 2")
        self._ttl = ttl
        self._clock = clock
        self._batch = batch
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        """Entries held, the expired ones not pruned yet included: what memory holds."""
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def set(self, key: K, value: V) -> None:
        """Store and restart the key's TTL; then prune a few expired entries."""
        now = self._clock()
        self._entries[key] = (now + self._ttl, value)
        self._entries.move_to_end(key)
        self.prune(now)

    def pop(self, key: K) -> V | None:
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[1]

    def prune(self, now: float | None = None) -> None:
        """Drop up to `batch` expired entries, oldest first."""
        now = self._clock() if now is None else now
        for _ in range(self._batch):
            if not self._entries:
                return
            deadline, _ = next(iter(self._entries.values()))
            if deadline > now:
                return
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
