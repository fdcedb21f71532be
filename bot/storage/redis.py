"""The Redis backend: one client (one pool) for dialogs, FSM states, usage, inboxes and leases."""

from __future__ import annotations

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.conversation.actors import ActorPool
from bot.conversation.leased.control import ChatControl
from bot.conversation.leased.journal import TurnJournal
from bot.conversation.leased.leases import ChatLeases
from bot.conversation.leased.placement import LeasedPlacement
from bot.conversation.placement import Placement
from bot.core.errors import StorageUnavailable
from bot.dialog.redis import RedisDialogStore
from bot.limits.port import RateLimiter
from bot.limits.redis import RedisRateLimiter
from bot.llm.retired import RetiredModels
from bot.scheduling.budget import BudgetStore
from bot.scheduling.redis_budget import RedisBudgetStore
from bot.scheduling.redis_usage import RedisUsage
from bot.storage.backend import Backend, StorageOptions
from bot.storage.redis_errors import CancelSafeRedis, unavailable_on_error
from bot.storage.redis_keys import RedisKeys
from bot.storage.redis_migration import migrate
from bot.storage.redis_retired import RedisRetiredModels
from bot.storage.redis_turns import RedisTurnStorage
from bot.storage.urls import REDIS_SCHEMES


class _SharedRedisStorage(RedisStorage):
    """aiogram's FSM storage on the backend's client, which the backend closes, once.

    The Dispatcher closes its storage first thing at shutdown, before the conversations are
    stopped: closing the shared pool then would cut the commands in flight of the turns still
    finishing, and the control channel, in the middle of a replica's drain.
    """

    async def close(self) -> None:
        return None


class RedisBackend(Backend):
    def __init__(self, redis: Redis, options: StorageOptions) -> None:
        self.redis = redis
        self._options = options
        self.keys = RedisKeys(options.prefix, options.bot_id)
        self.dialogs = RedisDialogStore(
            redis, self.keys, max_messages=options.max_messages, ttl_seconds=options.ttl_seconds
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
            redis, self.keys, dialogs=self.dialogs, usage=usage, fsm=self.fsm_storage
        )

    @classmethod
    def from_url(cls, url: str, options: StorageOptions) -> RedisBackend:
        """Nothing is sent until `start`."""
        if not url.startswith(REDIS_SCHEMES):
            raise ValueError("the Redis backend takes redis://, rediss:// or unix:// URLs")
        client = CancelSafeRedis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        return cls(client, options)

    def placement(self, pool: ActorPool, *, idle_timeout: float) -> Placement:
        leases = ChatLeases(self.redis, self.keys, ttl_seconds=self._options.lease_ttl)
        return LeasedPlacement(
            pool,
            journal=TurnJournal(self.redis, self.keys, ttl_seconds=self._options.ttl_seconds),
            leases=leases,
            control=ChatControl(self.redis, self.keys, replica=leases.replica),
            idle_timeout=idle_timeout,
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
