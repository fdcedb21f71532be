"""The composition root: the one place that wires objects together (their builders are in
bot/components.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.strategy import FSMStrategy
from aiohttp import web
from loguru import logger
from redis.exceptions import RedisError

from bot.chat_settings import ChatPreferences, ChatSettingsStore
from bot.components import (
    build_backend,
    build_bot,
    build_catalog,
    build_media,
    build_metrics,
    build_model,
    build_quota,
    build_scheduled_model,
    pace,
    register_commands,
)
from bot.config import Settings
from bot.conversation.actors import ActorPool
from bot.conversation.conversations import Conversations
from bot.conversation.leased import LeasedPlacement
from bot.conversation.local import LocalPlacement
from bot.conversation.placement import Placement
from bot.conversation.prompting import Prompts
from bot.conversation.runner import TurnRunner
from bot.conversation.titles import DialogTitles
from bot.core.errors import ConfigurationError, StorageUnavailable
from bot.delivery.notices import Notices
from bot.delivery.outbox import Outbox
from bot.delivery.reactions import Reactions
from bot.delivery.sender import ReplySender
from bot.handlers import get_routers
from bot.handlers.albums import Albums, AlbumsFirst
from bot.handlers.errors import storage_unavailable
from bot.handlers.intake import Intake
from bot.llm.catalog import ModelCatalog
from bot.llm.live import LiveModel
from bot.llm.port import ChatModel
from bot.media.reader import MediaReader
from bot.media.request_images import PromptBuilder
from bot.metrics.metrics import Metrics, TurnMeter
from bot.middlewares.access import AccessMiddleware
from bot.middlewares.addressed import NotForOtherBots
from bot.middlewares.groups import AddressedInGroups
from bot.middlewares.language import LanguageMiddleware
from bot.middlewares.rate_limit import RateLimitMiddleware
from bot.storage.base import Backend
from bot.texts import texts_for
from bot.webhook import ON_LISTENING, build_webhook_app, serve, stop_on_signals


def build_conversations(
    settings: Settings,
    sender: ReplySender,
    reactions: Reactions,
    backend: Backend,
    scheduled: ChatModel,
    metrics: Metrics,
    catalog: ModelCatalog,
    media: tuple[MediaReader, PromptBuilder],
    bot: Bot,
) -> tuple[Conversations, DialogTitles]:
    preferences = ChatPreferences(
        ChatSettingsStore(backend.fsm_storage), catalog, settings.history_budget
    )
    prompts = Prompts(
        turns=backend.turns,
        sender=sender,
        system_prompt=settings.system_prompt_message,
        budget=settings.history_budget,
        reader=media[0],
        images=media[1],
        preferences=preferences,
    )
    model = LiveModel(scheduled, catalog)  # outermost: every call on a live model
    titles = DialogTitles(
        model, backend.dialogs, backend.usage, bot, default_model=settings.groq_model
    )
    runner = TurnRunner(
        model=model,
        titles=titles if settings.dialog_titles else None,
        turns=backend.turns,
        quota=build_quota(settings, backend, catalog),
        sender=sender,
        reactions=reactions,
        prompts=prompts,
        stream=settings.stream_replies,
        on_ended=TurnMeter(metrics),
    )
    pool = ActorPool(runner=runner, inbox_size=settings.inbox_size)
    metrics.count_live(lambda: len(pool))
    placement = build_placement(settings, backend, pool, sender)
    conversations = Conversations(
        placement,
        dialogs=backend.dialogs,
        sender=sender,
        reactions=reactions,
    )
    return conversations, titles


def build_placement(
    settings: Settings, backend: Backend, pool: ActorPool, sender: ReplySender
) -> Placement:
    """Turns wait in the process (memory), or in a durable inbox the replicas share (Redis)."""
    idle = settings.actor_idle_timeout
    shared = backend.shared_inbox()
    if shared is None:
        return LocalPlacement(pool, idle_timeout=idle, fsm_storage=backend.fsm_storage)
    return LeasedPlacement(pool, shared, idle_timeout=idle, sender=sender)


def retirement_notices(
    settings: Settings, bot: Bot, metrics: Metrics, notices: Notices
) -> Callable[[str, str, bool], None]:
    """A model Groq retired: counted here, and the admins told by the first replica."""

    def retired(model: str, stand_in: str, first: bool) -> None:
        metrics.model_retired.labels(model=model).inc()
        if first:
            text = texts_for(None).model_retired_admin(model, stand_in)
            for admin in sorted(settings.admin_user_ids):
                notices.admin(bot, admin, text)

    return retired


def add_middlewares(
    dp: Dispatcher, settings: Settings, backend: Backend, notices: Notices
) -> None:
    """In this order: others' commands dropped, group chatter dropped, the user's texts,
    allow-list, rate limit; button presses pass the same allow-list and the same count."""
    dp.message.outer_middleware(NotForOtherBots())
    dp.message.outer_middleware(AddressedInGroups())  # in groups: only what is said to us
    dp.message.outer_middleware(LanguageMiddleware())
    if settings.allowed_user_ids:  # none: everyone may, and nothing is asked per update
        access = AccessMiddleware(settings.allowed_user_ids, notices)
        dp.message.outer_middleware(access)
        dp.callback_query.outer_middleware(access)
    if settings.rate_limit_messages:  # 0 turns it off
        limiter = backend.rate_limiter(settings.rate_limit_messages, settings.rate_limit_window)
        rate_limit = RateLimitMiddleware(limiter, notices)
        dp.message.outer_middleware(rate_limit)
        dp.callback_query.outer_middleware(rate_limit)


def build_dispatcher(settings: Settings, bot: Bot, model: ChatModel | None = None) -> Dispatcher:
    """Everything behind the Bot: storage, models, conversations, routers, lifecycle;
    `model` stands in for Groq's chat model (the bench's)."""
    backend = build_backend(settings, bot.id)
    sender = ReplySender(bot, stream_interval=settings.stream_interval)
    reactions, notices = Reactions(bot), Notices(settings.rate_limit_window)
    catalog = build_catalog(settings, backend.retired_models())
    media = build_media(settings, bot, sender, catalog)
    model = model or build_model(settings, catalog)
    metrics, metrics_server = build_metrics(settings)
    pace(settings, bot, metrics)
    scheduled = build_scheduled_model(settings, backend, model, metrics, catalog.is_live)
    catalog.on_retired = retirement_notices(settings, bot, metrics, notices)
    conversations, titles = build_conversations(
        settings, sender, reactions, backend, scheduled, metrics, catalog, media, bot
    )
    intake = Intake(conversations, reactions, notices, backend.fsm_storage)
    outbox = Outbox()
    albums = Albums(intake)
    dp = Dispatcher(
        storage=backend.fsm_storage,
        fsm_strategy=FSMStrategy.CHAT_TOPIC,
        settings=settings,
        conversations=conversations,
        intake=intake,
        outbox=outbox,
        backend=backend,
        albums=albums,
        catalog=catalog,
        usage=backend.usage,
        dialogs=backend.dialogs,
        metrics=metrics,
    )
    add_middlewares(dp, settings, backend, notices)
    dp.message.outer_middleware(AlbumsFirst(albums))
    dp.include_routers(*get_routers())
    dp.errors.register(storage_unavailable, ExceptionTypeFilter(StorageUnavailable, RedisError))

    async def on_startup(bot: Bot) -> None:
        await backend.start()  # a storage that is down stops the bot here, with one line
        await register_commands(bot)
        await conversations.placement.start()
        if metrics_server is not None:
            await metrics_server.start()
        log_start(settings)

    async def on_shutdown() -> None:
        await albums.flush_all()
        await conversations.shutdown(settings.shutdown_timeout)
        if metrics_server is not None:
            await metrics_server.aclose()
        for part in (titles, notices, outbox, scheduled, media[0], catalog, backend):
            await part.aclose()
        logger.info("stopped")

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


def log_start(settings: Settings) -> None:
    logger.info(
        "starting: model={} storage={} inbox={} history<= {} tokens / {} msgs",
        settings.groq_model,
        settings.storage_url.split("://", 1)[0],  # the URL may hold Redis's password
        settings.inbox_size,
        settings.history_max_tokens,
        settings.history_max_messages,
    )


async def poll(dp: Dispatcher, bot: Bot, *, handle_signals: bool = True) -> None:
    """Long polling until SIGINT/SIGTERM or `Dispatcher.stop_polling`."""
    # A webhook left by webhook mode would make every getUpdates a 409 Conflict; pending updates
    # stay. Handlers only enqueue, so processing updates one by one is cheap, and it is what
    # keeps a chat's messages in Telegram's order (docs/architecture.md, "Ordering").
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, handle_as_tasks=False, handle_signals=handle_signals)


async def run(settings: Settings) -> None:
    """Long polling by default; a webhook server when WEBHOOK_URL is set."""
    bot = build_bot(settings)
    dp = build_dispatcher(settings, bot)
    # Groq's list, read once before anything starts: a configured model it does not serve
    # stops the start with one line (bot/__main__.py); an unreadable list only warns.
    unserved = await dp["catalog"].unserved()
    if unserved is not None:
        raise ConfigurationError(unserved)
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
    backend: Backend = dp["backend"]
    registered = asyncio.Event()

    async def ready() -> bool:
        return registered.is_set() and await backend.ready()

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
