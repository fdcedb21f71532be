"""Fenced writes: a batch of commands that lands only while a chat's lease is still the same.

A replica that lost a chat's lease (it stalled past the TTL, and another replica took the chat)
must not write into it any more, whatever its timing: the new holder answers the same turns.
A MULTI cannot make its commands depend on a value, so a turn's end is collected here, in the
order a pipeline would queue it, and one script compares the lease's token and then runs the
commands, atomically, in one round trip like the MULTI it stands for (docs/architecture.md,
"Lease safety"). The adapters queue their writes on either (`Writes`), so each write is
defined once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis

# KEYS[1] the lease, ARGV[1] its token; then per command, in order: its key in KEYS, and in
# ARGV the count of its arguments, its name, its arguments. Nothing runs unless the token holds.
_FENCED = """
    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
    local at = 2
    for k = 2, #KEYS do
        local count = tonumber(ARGV[at])
        redis.call(ARGV[at + 1], KEYS[k], unpack(ARGV, at + 2, at + 1 + count))
        at = at + 2 + count
    end
    return 1
"""


class Writes(Protocol):
    """The writes a turn's end queues: a redis-py pipeline, or a `FencedWrites`."""

    def ltrim(self, name: str, start: int, end: int, /) -> object: ...

    def rpush(self, name: str, /, *values: str) -> object: ...

    def expire(self, name: str, time: int, /) -> object: ...

    def hincrby(self, name: str, key: str, amount: int, /) -> object: ...

    def set(self, name: str, value: str, /, *, ex: int | timedelta | None = None) -> object: ...

    def xdel(self, name: str, /, *ids: str) -> object: ...

    def hset(self, name: str, key: str, value: str, /) -> object: ...

    def delete(self, name: str, /) -> object: ...
    def hdel(self, name: str, /, *keys: str) -> object: ...


class FencedWrites:
    """Commands collected in order, each on one key, to run behind a lease's token."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.args: list[str | int] = []

    def _add(self, command: str, key: str, *args: str | int) -> None:
        self.keys.append(key)
        self.args += [len(args), command, *args]

    def ltrim(self, name: str, start: int, end: int, /) -> None:
        self._add("LTRIM", name, start, end)

    def rpush(self, name: str, /, *values: str) -> None:
        self._add("RPUSH", name, *values)

    def expire(self, name: str, time: int, /) -> None:
        self._add("EXPIRE", name, time)

    def hincrby(self, name: str, key: str, amount: int, /) -> None:
        self._add("HINCRBY", name, key, amount)

    def set(self, name: str, value: str, /, *, ex: int | timedelta | None = None) -> None:
        if ex is None:
            self._add("SET", name, value)
        else:
            seconds = int(ex.total_seconds()) if isinstance(ex, timedelta) else ex
            self._add("SET", name, value, "EX", seconds)

    def xdel(self, name: str, /, *ids: str) -> None:
        self._add("XDEL", name, *ids)

    def hset(self, name: str, key: str, value: str, /) -> None:
        self._add("HSET", name, key, value)

    def delete(self, name: str, /) -> None:
        self._add("DEL", name)

    def hdel(self, name: str, /, *keys: str) -> None:
        self._add("HDEL", name, *keys)


class Fence:
    """Runs a batch of `FencedWrites` only while a lease key still holds the given token."""

    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_FENCED)

    async def write(self, lease_key: str, token: str, writes: FencedWrites) -> bool:
        """False, and nothing written, when the lease is not (or no longer) that token's."""
        keys = [lease_key, *writes.keys]
        args: list[str | int] = [token, *writes.args]
        return bool(await self._script(keys=keys, args=args))
