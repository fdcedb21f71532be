"""The Redis backend: one client (one pool) for dialogs, FSM states, usage, inboxes and leases.

Every file of this folder touches Redis, and only this folder does (docs/architecture.md,
"Storage and the backends")."""

from __future__ import annotations

from typing import Self

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.core.errors import StorageUnavailable
from bot.storage.base import Backend, BudgetStore, RateLimiter, RetiredModels, StorageOptions
from bot.storage.inbox import SharedInbox
from bot.storage.redis.budget import RedisBudgetStore
from bot.storage.redis.client import CancelSafeRedis, StaleConnectionRetry, unavailable_on_error
from bot.storage.redis.control import RedisControl
from bot.storage.redis.dialog import RedisDialogStore
from bot.storage.redis.inbox import RedisInbox
from bot.storage.redis.keys import RedisKeys
from bot.storage.redis.leases import RedisLeases
from bot.storage.redis.migration import migrate
from bot.storage.redis.rate_limit import RedisRateLimiter
from bot.storage.redis.retired import RedisRetiredModels
from bot.storage.redis.turns import RedisTurnStorage
from bot.storage.redis.url import SCHEMES, check_url
from bot.storage.redis.usage import RedisUsage


class _SharedRedisStorage(RedisStorage):
    """aiogram's FSM storage on the backend's client, which the backend closes, once.

    The Dispatcher closes its storage first thing at shutdown, before the conversations are
    stopped: closing the shared pool then would cut the commands in flight of the turns still
    finishing, and the control channel, in the middle of a replica's drain.
    """

    async def close(self) -> None:
        return None


class RedisBackend(Backend):
    schemes = SCHEMES

    def __init__(self, redis: Redis, options: StorageOptions) -> None:
        self.redis = redis
        self._options = options
        self.keys = RedisKeys(options.prefix, options.bot_id)
        self.dialogs = RedisDialogStore(
            redis,
            self.keys,
            max_messages=options.max_messages,
            ttl_seconds=options.ttl_seconds,
            max_dialogs=options.max_dialogs,
        )
        # A chat's state expires with its dialog, so strangers and quiet chats leave nothing.
        self.fsm_storage = _SharedRedisStorage(
            redis,
            key_builder=self.keys,
            state_ttl=options.ttl_seconds,
            data_ttl=options.ttl_seconds,
        )
        self.usage = usage = RedisUsage(redis, self.keys.usage)
        self.turns = RedisTurnStorage(
            redis,
            self.keys,
            dialogs=self.dialogs,
            usage=usage,
            fsm=self.fsm_storage,
            ttl_seconds=options.ttl_seconds,
        )

    @classmethod
    def from_url(cls, url: str, options: StorageOptions) -> Self:
        """Nothing is sent until `start`."""
        check_url(url)
        client = CancelSafeRedis.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, retry=StaleConnectionRetry()
        )
        return cls(client, options)

    def shared_inbox(self) -> SharedInbox:
        leases = RedisLeases(self.redis, self.keys, ttl_seconds=self._options.lease_ttl)
        return SharedInbox(
            inbox=RedisInbox(self.redis, self.keys, ttl_seconds=self._options.ttl_seconds),
            leases=leases,
            control=RedisControl(self.redis, self.keys, replica=leases.replica),
        )

    def rate_limiter(self, limit: int, window: float) -> RateLimiter:
        return RedisRateLimiter(self.redis, self.keys.rate, limit, window)

    def budget_store(self) -> BudgetStore:
        return RedisBudgetStore(self.redis, self.keys.budget)

    def retired_models(self) -> RetiredModels:
        return RedisRetiredModels(self.redis, self.keys.retired_models)

    async def start(self) -> None:
        with unavailable_on_error():
            await self.redis.ping()
        await migrate(self.redis, self.keys)

    async def ready(self) -> bool:
        try:
            with unavailable_on_error():
                await self.redis.ping()
        except StorageUnavailable:
            return False
        return True

    async def aclose(self) -> None:
        await self.redis.aclose(close_connection_pool=True)
