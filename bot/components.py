"""The bot's components, each built from the settings: the Telegram client, the Groq clients,
model catalog and model, media support, the storage backend. Part of the composition root,
with bot/app.py, which wires them together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from groq import AsyncGroq, DefaultAsyncHttpxClient

from bot.config import Settings
from bot.core.errors import ConfigurationError
from bot.delivery.pacer import Pacer, PacingMiddleware
from bot.delivery.sender import ReplySender
from bot.delivery.topics import TopicMiddleware
from bot.delivery.typing_indicator import QuietChatActions
from bot.llm.catalog import ConfiguredModels, ModelCatalog
from bot.llm.groq import GroqChatModel, ResponseHeaders
from bot.llm.pool_gate import gated_transport
from bot.llm.port import ChatModel
from bot.llm.transcription import GroqTranscriber
from bot.media.files import Downloader
from bot.media.images import ImageCache, Images
from bot.media.pdf import PdfReading
from bot.media.reader import MediaReader
from bot.media.request_images import PromptBuilder
from bot.metrics.metrics import Metrics
from bot.metrics.server import MetricsServer
from bot.scheduling.limit_watch import LimitWatch
from bot.scheduling.quota import Quota
from bot.scheduling.scheduled import Allowance, ScheduledModel
from bot.scheduling.scheduler import Scheduler
from bot.storage.base import Backend, RetiredModels, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend
from bot.texts import LANGUAGES


def build_bot(settings: Settings) -> Bot:
    api = (
        TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/"))
        if settings.telegram_api_url is not None
        else PRODUCTION
    )
    session = AiohttpSession(
        api=api, timeout=settings.bot_request_timeout, json_loads=json_loads, json_dumps=json_dumps
    )
    session.middleware(TopicMiddleware())  # a turn's messages go to its forum topic
    session.middleware(QuietChatActions())  # a refused "typing…" is a log line, not a crash
    return Bot(token=settings.bot_token.get_secret_value(), session=session)


async def register_commands(bot: Bot) -> None:
    """The command menu of private chats and of groups, in English and, for Russian-speaking
    users, in Russian."""
    await bot.me()  # kept by aiogram: handlers read the bot's topic mode without a wait
    for code, texts in LANGUAGES.items():
        commands = [
            BotCommand(command="start", description=texts.command_start),
            BotCommand(command="help", description=texts.command_help),
            BotCommand(command="cancel", description=texts.command_cancel),
            BotCommand(command="retry", description=texts.command_retry),
            BotCommand(command="settings", description=texts.command_settings),
            BotCommand(command="model", description=texts.command_model),
            BotCommand(command="system", description=texts.command_system),
            BotCommand(command="export", description=texts.command_export),
            BotCommand(command="usage", description=texts.command_usage),
            BotCommand(command="new", description=texts.command_new),
            BotCommand(command="dialogs", description=texts.command_dialogs),
        ]
        language = None if code == "en" else code
        for scope in (BotCommandScopeAllPrivateChats(), BotCommandScopeAllGroupChats()):
            await bot.set_my_commands(commands, scope=scope, language_code=language)


def groq_client(settings: Settings, headers: ResponseHeaders | None = None) -> AsyncGroq:
    """A Groq client; with `headers`, every response's rate-limit headers go to bot/scheduling."""
    hooks: dict[str, list[Callable[..., Any]]] = {}
    if headers is not None:
        hooks["response"] = [headers]
    return AsyncGroq(
        api_key=settings.groq_api_key.get_secret_value(),
        base_url=str(settings.groq_base_url) if settings.groq_base_url else None,
        timeout=settings.groq_request_timeout,
        max_retries=settings.groq_max_retries,
        http_client=DefaultAsyncHttpxClient(transport=gated_transport(), event_hooks=hooks),
    )


def build_catalog(settings: Settings, retired: RetiredModels) -> ModelCatalog:
    """Groq's live models, with the operator's choices as the stand-ins of a retired one."""
    configured = ConfiguredModels(
        chat=settings.groq_model,
        vision=settings.vision_model,
        transcription=settings.transcription_model,
        fallback=settings.fallback_model,
        allowed=settings.chat_models,
        answer_tokens=settings.max_answer_tokens,
    )
    return ModelCatalog(groq_client(settings), configured, retired)


def build_model(settings: Settings, catalog: ModelCatalog) -> ChatModel:
    headers = ResponseHeaders()
    client = groq_client(settings, headers)
    return GroqChatModel(client, settings.groq_model, catalog, headers)


def build_media(
    settings: Settings, bot: Bot, sender: ReplySender, catalog: ModelCatalog
) -> tuple[MediaReader, PromptBuilder]:
    """Voice, photos and files: downloads through `bot`, Whisper and vision through Groq;
    the reader of a turn's question, and the builder of a request that shows images."""
    downloader = Downloader(bot, max_mb=settings.max_file_mb, timeout=settings.bot_request_timeout)
    images = Images(downloader, ImageCache())
    transcriber = GroqTranscriber(groq_client(settings), settings.transcription_model, catalog)
    reader = MediaReader(
        downloader=downloader,
        images=images,
        transcriber=transcriber,
        sender=sender,
        pdfs=PdfReading(timeout=settings.pdf_timeout),
        file_bytes=settings.history_max_tokens // 2 * 4,  # half the budget, ~4 bytes a token
    )
    return reader, PromptBuilder(images)


# The storage backends STORAGE_URL can name, each by its schemes: one folder of
# bot/storage/ and one entry here (docs/architecture.md, "Worked example: a new backend").
BACKENDS: tuple[type[Backend], ...] = (MemoryBackend, RedisBackend)


def build_backend(settings: Settings, bot_id: int) -> Backend:
    """The storage STORAGE_URL names, nothing contacted until `Backend.start`; a URL no
    backend takes stops the start with one line (bot/__main__.py), before Telegram is asked."""
    options = StorageOptions(
        bot_id=bot_id,
        max_messages=settings.history_max_messages,
        ttl_seconds=settings.history_ttl,
        max_dialogs=settings.max_dialogs,
        prefix=settings.redis_prefix,
        lease_ttl=settings.lease_ttl,
    )
    url = settings.storage_url
    scheme = url.partition("://")[0]
    for backend in BACKENDS:
        if scheme in backend.schemes:
            try:
                return backend.from_url(url, options)
            except ValueError as error:  # its words, never the URL: it may hold a password
                raise ConfigurationError(f"STORAGE_URL {error}") from None
    known = ", ".join(f"{name}://" for backend in BACKENDS for name in backend.schemes)
    raise ConfigurationError(f"STORAGE_URL must be one of {known}")


def build_metrics(settings: Settings) -> tuple[Metrics, MetricsServer | None]:
    """The metrics, and their server when METRICS_PORT is set."""
    metrics = Metrics()
    port = settings.metrics_port
    return metrics, MetricsServer(metrics, settings.metrics_host, port) if port else None


def build_scheduled_model(
    settings: Settings,
    backend: Backend,
    model: ChatModel,
    metrics: Metrics,
    is_live: Callable[[str], bool],
) -> ChatModel:
    """The model behind the fair queue of Groq's budget and the fallback."""
    scheduler = Scheduler(backend.budget_store(), on_wait=metrics.queue_wait.observe)
    model.watch_limits(LimitWatch(scheduler, metrics, backend.usage))
    allowance = Allowance(
        model=settings.groq_model,
        timeout=settings.groq_request_timeout,
        fallback=settings.fallback_model,
    )
    return ScheduledModel(
        model,
        scheduler,
        allowance,
        on_tokens=lambda used: metrics.used_tokens(used.prompt_tokens, used.completion_tokens),
        is_live=is_live,
    )


def build_quota(settings: Settings, backend: Backend, catalog: ModelCatalog) -> Quota:
    """USER_DAILY_TOKENS over the backend's day counts; a call reserves its prompt's estimate
    and its answer's room (MAX_ANSWER_TOKENS, and a reasoning model's room to think)."""
    return Quota(
        backend.usage,
        daily_tokens=settings.user_daily_tokens,
        second_tokens=settings.transcription_tokens_per_second,
        answer_room=lambda model: catalog.completion_tokens(model or settings.groq_model),
    )


def pace(settings: Settings, bot: Bot, metrics: Metrics) -> None:
    """Every send and edit under Telegram's limits (TELEGRAM_PACING)."""
    if settings.telegram_pacing:
        bot.session.middleware(PacingMiddleware(Pacer(), metrics.retry_after.inc))


def json_dumps(value: object) -> str:
    """orjson for aiogram's session: it takes a str-returning dumps."""
    return orjson.dumps(value).decode()


json_loads = orjson.loads
