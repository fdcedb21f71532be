"""The composition root: the one place that builds objects and wires them together."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import BotCommand
from aiohttp import web
from groq import AsyncGroq
from loguru import logger
from redis.exceptions import RedisError

from bot.config import Settings
from bot.conversation.control import ChatControl
from bot.conversation.journal import MemoryJournal, RedisJournal, TurnJournal
from bot.conversation.leases import ChatLeases
from bot.conversation.supervisor import Conversations
from bot.conversation.turn import TurnRunner
from bot.delivery.sender import ReplySender
from bot.dialog.redis import RedisDialogStore
from bot.dialog.store import DialogStore, StorageUnavailable
from bot.handlers import get_routers
from bot.handlers.errors import storage_unavailable
from bot.limits.memory import MemoryRateLimiter
from bot.limits.notices import Notices
from bot.limits.port import RateLimiter
from bot.limits.redis import RedisRateLimiter
from bot.llm.groq import GroqChatModel
from bot.llm.port import ChatModel
from bot.middlewares.access import AccessMiddleware
from bot.middlewares.addressed import NotForOtherBots
from bot.middlewares.rate_limit import RateLimitMiddleware
from bot.storage.memory_fsm import MemoryFSMStorage
from bot.texts import LANGUAGES
from bot.webhook import ON_LISTENING, build_webhook_app, serve, stop_on_signals


def build_bot(settings: Settings) -> Bot:
    api = (
        TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
        if settings.telegram_api_url is not None
        else PRODUCTION
    )
    session = AiohttpSession(api=api, timeout=settings.bot_request_timeout)
    return Bot(token=settings.bot_token.get_secret_value(), session=session)


async def register_commands(bot: Bot) -> None:
    """The command menu, in English and, for Russian-speaking users, in Russian."""
    for code, texts in LANGUAGES.items():
        commands = [
            BotCommand(command="start", description=texts.command_start),
            BotCommand(command="help", description=texts.command_help),
            BotCommand(command="cancel", description=texts.command_cancel),
            BotCommand(command="retry", description=texts.command_retry),
        ]
        await bot.set_my_commands(commands, language_code=None if code == "en" else code)


def build_model(settings: Settings) -> ChatModel:
    client = AsyncGroq(
        api_key=settings.groq_api_key.get_secret_value(),
        base_url=str(settings.groq_base_url) if settings.groq_base_url else None,
        timeout=settings.groq_request_timeout,
        max_retries=settings.groq_max_retries,
    )
    return GroqChatModel(client, settings.groq_model)


def build_dispatcher(settings: Settings, bot: Bot, model: ChatModel) -> Dispatcher:
    """Everything behind the Bot and the model: storages, conversations, routers, shutdown."""
    store = DialogStore.from_url(
        settings.storage_url,
        max_messages=settings.history_max_messages,
        ttl_seconds=settings.history_ttl,
        prefix=settings.redis_prefix,
    )
    fsm_storage: BaseStorage
    journal: TurnJournal
    # Alone in memory mode; with Redis, maybe one replica of several.
    leases: ChatLeases | None = None
    control: ChatControl | None = None
    limit, window = settings.rate_limit_messages, settings.rate_limit_window
    limiter: RateLimiter | None = None
    if isinstance(store, RedisDialogStore):  # one pool for dialogs, FSM states and inboxes
        fsm_storage = RedisStorage(
            store.redis, key_builder=DefaultKeyBuilder(prefix=f"{settings.redis_prefix}:fsm")
        )
        journal = RedisJournal(
            store.redis,
            bot_id=bot.id,
            prefix=settings.redis_prefix,
            ttl_seconds=settings.history_ttl,
        )
        leases = ChatLeases(
            store.redis, prefix=settings.redis_prefix, ttl_seconds=settings.lease_ttl
        )
        control = ChatControl(
            store.redis, prefix=settings.redis_prefix, bot_id=bot.id, replica=leases.replica
        )
        if limit:
            prefix = f"{settings.redis_prefix}:rate:{bot.id}"
            limiter = RedisRateLimiter(store.redis, lambda user: f"{prefix}:{user}", limit, window)
    else:
        fsm_storage, journal = MemoryFSMStorage(settings.history_ttl), MemoryJournal()
        limiter = MemoryRateLimiter(limit, window) if limit else None
    notices = Notices(window)
    sender = ReplySender(bot, stream_interval=settings.stream_interval)
    runner = TurnRunner(
        model=model,
        store=store,
        sender=sender,
        system_prompt=settings.system_prompt_message,
        budget=settings.history_budget,
        stream=settings.stream_replies,
    )
    conversations = Conversations(
        runner=runner,
        store=store,
        sender=sender,
        fsm_storage=fsm_storage,
        journal=journal,
        inbox_size=settings.inbox_size,
        idle_timeout=settings.actor_idle_timeout,
        leases=leases,
        control=control,
    )
    dp = Dispatcher(
        storage=fsm_storage,
        fsm_strategy=FSMStrategy.CHAT,
        settings=settings,
        conversations=conversations,
        store=store,
        notices=notices,
    )
    dp.message.outer_middleware(NotForOtherBots())
    dp.message.outer_middleware(AccessMiddleware(settings.allowed_user_ids, notices))
    if limiter is not None:
        dp.message.outer_middleware(RateLimitMiddleware(limiter, notices))
    dp.include_routers(*get_routers())
    dp.errors.register(storage_unavailable, ExceptionTypeFilter(StorageUnavailable, RedisError))

    async def on_startup(bot: Bot) -> None:
        await store.check()  # a storage that is down stops the bot here, with one line
        await register_commands(bot)
        await conversations.recover()
        logger.info(
            "starting: replica={} model={} storage={} inbox={} history<= {} tokens / {} msgs",
            leases.replica if leases is not None else "-",
            settings.groq_model,
            settings.storage_url.split("://", 1)[0],  # the URL may hold Redis's password
            settings.inbox_size,
            settings.history_max_tokens,
            settings.history_max_messages,
        )

    async def on_shutdown() -> None:
        await conversations.shutdown(settings.shutdown_timeout)
        await notices.aclose()
        await model.aclose()
        await store.aclose()  # with Redis this closes the one pool, shared with the FSM storage
        await fsm_storage.close()  # a no-op for memory, a second harmless close for Redis
        logger.info("stopped")

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def poll(dp: Dispatcher, bot: Bot, *, handle_signals: bool = True) -> None:
    """Long polling until SIGINT/SIGTERM or `Dispatcher.stop_polling`."""
    # Handlers only enqueue, so processing updates one by one is cheap, and it is what keeps a
    # user's messages in the order Telegram delivered them (DESIGN.md "Ordering").
    await dp.start_polling(bot, handle_as_tasks=False, handle_signals=handle_signals)


async def run(settings: Settings) -> None:
    """Long polling by default; a webhook server when WEBHOOK_URL is set."""
    bot = build_bot(settings)
    dp = build_dispatcher(settings, bot, build_model(settings))
    if settings.webhook_url is None:
        await poll(dp, bot)
        return
    await serve(
        webhook_app(settings, dp, bot),
        settings.webhook_host,
        settings.webhook_port,
        stop_on_signals(),
    )


def webhook_app(settings: Settings, dp: Dispatcher, bot: Bot) -> web.Application:
    """The webhook server, which registers the webhook at start-up and is ready once it has."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    url, secret = str(settings.webhook_url), settings.webhook_secret.get_secret_value()
    store: DialogStore = dp["store"]
    registered = asyncio.Event()

    async def ready() -> bool:
        try:
            await store.check()
        except StorageUnavailable:
            return False
        return registered.is_set()

    async def register_webhook() -> None:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
            max_connections=1,  # one update at a time: a chat's order is Telegram's order
        )
        registered.set()
        logger.info("webhook registered")

    app = build_webhook_app(
        dp, bot, path=settings.webhook_url.path or "/", secret=secret, ready=ready
    )
    app[ON_LISTENING] = register_webhook
    return app
