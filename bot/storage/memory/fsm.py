"""aiogram's FSM storage for memory mode, minus its leak: reads create nothing, entries expire.

aiogram's MemoryStorage is a defaultdict, and its FSMContextMiddleware reads the state of
every update's chat before our middlewares run, so every chat ever seen, refused strangers
included, kept an entry for the life of the process. Here a chat's state and data live
`ttl` seconds after their last write (HISTORY_TTL, as its dialog), like keys in Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from copy import copy
from dataclasses import dataclass, field
from typing import Any, overload

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from bot.core.expiring import ExpiringMap


@dataclass(slots=True)
class _Record:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class MemoryFSMStorage(BaseStorage):
    """Behaves as aiogram's MemoryStorage for every key written within the last `ttl`."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._records: ExpiringMap[StorageKey, _Record] = ExpiringMap(ttl, clock=clock)

    @property
    def size(self) -> int:
        """Entries held, expired ones not pruned yet included (no `__len__`: aiogram's
        Dispatcher takes an empty storage for a missing one, `storage or MemoryStorage()`)."""
        return len(self._records)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        record = self._records.get(key) or _Record()
        record.state = state.state if isinstance(state, State) else state
        self._write(key, record)

    async def get_state(self, key: StorageKey) -> str | None:
        record = self._records.get(key)
        return None if record is None else record.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        record = self._records.get(key) or _Record()
        record.data = data.copy()
        self._write(key, record)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = self._records.get(key)
        return {} if record is None else record.data.copy()

    @overload
    async def get_value(self, storage_key: StorageKey, dict_key: str) -> Any | None: ...

    @overload
    async def get_value(self, storage_key: StorageKey, dict_key: str, default: Any) -> Any: ...

    async def get_value(
        self, storage_key: StorageKey, dict_key: str, default: Any | None = None
    ) -> Any | None:
        record = self._records.get(storage_key)
        return copy((record.data if record else {}).get(dict_key, default))

    async def close(self) -> None:
        return None  # as MemoryStorage: what is in memory stays readable until the process ends

    def _write(self, key: StorageKey, record: _Record) -> None:
        """A record back to no state and no data is the same as none: it is dropped."""
        if record.state is None and not record.data:
            self._records.pop(key)
        else:
            self._records.set(key, record)
