"""Every knob of the bot, read once from the environment (and `.env`) and validated."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config_rules import (
    ApiKey,
    ApiUrl,
    BotToken,
    WebhookSecret,
    check_listen_host,
    is_loopback,
    text_value,
)
from bot.core.messages import ChatMessage
from bot.core.trimming import Budget, min_tokens_for

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a Telegram chat. Answer clearly and to the point. "
    "If a question is ambiguous, ask a short clarifying question before answering. "
    "Always answer in the language the user writes in."
)
HOUR, DAY = 3600, 86400
# Telegram's own api.telegram.org delivers webhooks only to these ports (a local Bot API
# server to any port).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Every setting (docs/settings.md); field aliases are the variable names.

    Every value is checked here, so that a bad one stops the bot at start with one line
    naming it, before anything is contacted.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `KEY=` as copied from .env.example means "use the default"
        populate_by_name=False,
        frozen=True,
        allow_inf_nan=False,  # every float is a number of seconds: inf and nan make no sense
    )

    bot_token: BotToken = Field(validation_alias="BOT_TOKEN")
    groq_api_key: ApiKey = Field(validation_alias=AliasChoices("GROQ_API_KEY", "GROK_API_KEY"))
    groq_model: Annotated[str, text_value(256, spaces=False)] = Field(
        "openai/gpt-oss-120b", validation_alias=AliasChoices("GROQ_MODEL", "GROK_MODEL")
    )
    groq_base_url: ApiUrl | None = Field(None, validation_alias="GROQ_BASE_URL")
    transcription_model: Annotated[str, text_value(256, spaces=False)] = Field(
        "whisper-large-v3-turbo", validation_alias="TRANSCRIPTION_MODEL"
    )
    vision_model: Annotated[str, text_value(256, spaces=False)] = Field(
        "qwen/qwen3.6-27b", validation_alias="VISION_MODEL"
    )
    # The models chats may pick (/model); empty: every chat model Groq lists.
    chat_models: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias="CHAT_MODELS"
    )
    # An answer's max_completion_tokens (a reasoning model gets room to think besides).
    max_answer_tokens: int = Field(4096, ge=1, le=1_000_000, validation_alias="MAX_ANSWER_TOKENS")
    # The Bot API's download limit; a local Bot API server (TELEGRAM_API_URL) allows 2000.
    max_file_mb: int = Field(20, ge=1, le=2000, validation_alias="MAX_FILE_MB")
    # How long a PDF's text may take to read, in a process killed after it (bot/media/pdf.py).
    pdf_timeout: float = Field(20.0, gt=0, le=HOUR, validation_alias="PDF_TIMEOUT")
    groq_request_timeout: float = Field(
        60.0,
        gt=0,
        le=HOUR,
        validation_alias=AliasChoices("GROQ_REQUEST_TIMEOUT", "GROK_REQUEST_TIMEOUT"),
    )
    groq_max_retries: int = Field(1, ge=0, le=5, validation_alias="GROQ_MAX_RETRIES")
    bot_request_timeout: float = Field(60.0, gt=0, le=HOUR, validation_alias="BOT_REQUEST_TIMEOUT")
    telegram_api_url: ApiUrl | None = Field(None, validation_alias="TELEGRAM_API_URL")
    storage_url: str = Field("memory://", validation_alias="STORAGE_URL")
    history_ttl: int = Field(30 * DAY, ge=60, le=3650 * DAY, validation_alias="HISTORY_TTL")
    redis_prefix: Annotated[str, text_value(100, spaces=False)] = Field(
        "groqbot", validation_alias="REDIS_PREFIX"
    )
    # How long a dead replica's chats wait before another replica takes them over.
    lease_ttl: float = Field(10.0, ge=0.3, le=600, validation_alias="LEASE_TTL")

    # The order matters below: a validator sees the fields declared before its own.
    webhook_url: HttpUrl | None = Field(None, validation_alias="WEBHOOK_URL")
    webhook_secret: WebhookSecret | None = Field(None, validation_alias="WEBHOOK_SECRET")
    webhook_host: str = Field("0.0.0.0", validation_alias="WEBHOOK_HOST")
    webhook_port: int = Field(8080, ge=1, le=65535, validation_alias="WEBHOOK_PORT")

    system_prompt: Annotated[str, text_value(100_000, spaces=True)] = Field(
        DEFAULT_SYSTEM_PROMPT, validation_alias="SYSTEM_PROMPT"
    )
    history_max_tokens: int = Field(
        6000, ge=64, le=10_000_000, validation_alias="HISTORY_MAX_TOKENS"
    )
    history_max_messages: int = Field(
        40, ge=1, le=100_000, validation_alias="HISTORY_MAX_MESSAGES"
    )
    max_dialogs: int = Field(50, ge=1, le=1000, validation_alias="MAX_DIALOGS")
    dialog_titles: bool = Field(True, validation_alias="DIALOG_TITLES")

    stream_replies: bool = Field(True, validation_alias="STREAM_REPLIES")
    stream_interval: float = Field(0.5, gt=0, le=60, validation_alias="STREAM_INTERVAL")

    inbox_size: int = Field(20, ge=1, le=100_000, validation_alias="INBOX_SIZE")
    actor_idle_timeout: float = Field(
        600.0, gt=0, le=7 * DAY, validation_alias="ACTOR_IDLE_TIMEOUT"
    )
    shutdown_timeout: float = Field(10.0, ge=0, le=HOUR, validation_alias="SHUTDOWN_TIMEOUT")

    allowed_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="ALLOWED_USER_IDS"
    )
    rate_limit_messages: int = Field(
        30, ge=0, le=1_000_000, validation_alias="RATE_LIMIT_MESSAGES"
    )
    rate_limit_window: float = Field(60.0, gt=0, le=DAY, validation_alias="RATE_LIMIT_WINDOW")

    # Scheduling (bot/scheduling), quotas, admins, metrics.
    fallback_model: Annotated[str, text_value(256, spaces=False)] | None = Field(
        None, validation_alias="FALLBACK_MODEL"
    )
    user_daily_tokens: int = Field(0, ge=0, le=10**12, validation_alias="USER_DAILY_TOKENS")
    # What a second of audio Whisper hears counts as, toward the quota and /usage.
    transcription_tokens_per_second: int = Field(
        75, ge=0, le=1_000_000, validation_alias="TRANSCRIPTION_TOKENS_PER_SECOND"
    )
    admin_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="ADMIN_USER_IDS"
    )
    metrics_port: int = Field(0, ge=0, le=65535, validation_alias="METRICS_PORT")
    # Loopback by default: the metrics show traffic and are served without authentication.
    metrics_host: str = Field("127.0.0.1", validation_alias="METRICS_HOST")
    telegram_pacing: bool = Field(True, validation_alias="TELEGRAM_PACING")

    log_level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = (
        Field("INFO", validation_alias="LOG_LEVEL")
    )
    log_format: LogFormat = Field(LogFormat.TEXT, validation_alias="LOG_FORMAT")
    log_dir: Annotated[Path, text_value(4096, spaces=True)] = Field(
        Path("logs"), validation_alias="LOG_DIR"
    )
    log_to_file: bool = Field(True, validation_alias="LOG_TO_FILE")

    @field_validator("allowed_user_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept the natural `1,2,3` form instead of JSON; an empty item is a mistake."""
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",")]
        if not all(re.fullmatch("[1-9][0-9]{0,19}", part) for part in parts):
            raise ValueError(
                "must be Telegram user ids (positive integers) separated by commas, e.g. "
                "12345,67890"
            )
        return frozenset(int(part) for part in parts)

    @field_validator("chat_models", mode="before")
    @classmethod
    def _split_models(cls, value: object) -> object:
        """`a,b,c`, spaces around the commas allowed; an empty item is a mistake."""
        if not isinstance(value, str):
            return value
        models = [part.strip() for part in value.split(",")]
        if not all(models) or any(len(m) > 256 or " " in m for m in models):
            raise ValueError(
                "must be model ids separated by commas, e.g. openai/gpt-oss-120b,qwen/qwen3.6-27b"
            )
        return frozenset(models)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("storage_url")
    @classmethod
    def _storage_url_form(cls, value: str) -> str:
        """Only the form: which schemes there are, and what each URL may hold, is each
        backend's own (its `from_url`, picked by the composition root, bot/components.py)."""
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*://\S*", value):
            raise ValueError("must be a URL such as memory:// or redis://host:6379/0")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _reachable_by_telegram(cls, url: HttpUrl | None, info: ValidationInfo) -> HttpUrl | None:
        """Refused now what Telegram would refuse at start: plain http, and other ports.

        A loopback URL is allowed plain http: only a local Bot API server (TELEGRAM_API_URL)
        on the same machine can reach it, and that one may use any scheme and port.
        """
        if url is None or is_loopback(url.host or ""):
            return url
        if url.scheme != "https":
            raise ValueError("must be an https:// URL (http only for 127.0.0.1 or localhost)")
        if info.data.get("telegram_api_url") is None and url.port not in TELEGRAM_WEBHOOK_PORTS:
            raise ValueError("must use port 443, 80, 88 or 8443, the ones Telegram posts to")
        return url

    @field_validator("webhook_host")
    @classmethod
    def _resolvable_host(cls, host: str, info: ValidationInfo) -> str:
        """Only in webhook mode, where the server listens on it."""
        if info.data.get("webhook_url") is not None:
            check_listen_host(host)
        return host

    @field_validator("metrics_host")
    @classmethod
    def _metrics_host(cls, host: str, info: ValidationInfo) -> str:
        """Only with METRICS_PORT, where the metrics server listens on it."""
        if info.data.get("metrics_port"):
            check_listen_host(host)
        return host

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET must be set with WEBHOOK_URL")
        return self

    @model_validator(mode="after")
    def _models_are_allowed(self) -> Settings:
        """A configured chat model must be one CHAT_MODELS lets chats use."""
        allowed = self.chat_models
        configured = {
            "GROQ_MODEL": self.groq_model,
            "VISION_MODEL": self.vision_model,
            "FALLBACK_MODEL": self.fallback_model,
        }
        for variable, model in configured.items():
            if allowed and model is not None and model not in allowed:
                raise ValueError(
                    f"{variable}={model} is not in CHAT_MODELS ({', '.join(sorted(allowed))}): "
                    "add it there or choose one of those"
                )
        return self

    @model_validator(mode="after")
    def _budget_fits_system_prompt(self) -> Settings:
        needed = min_tokens_for(self.system_prompt_message)
        if self.history_max_tokens < needed:
            raise ValueError(
                f"HISTORY_MAX_TOKENS={self.history_max_tokens} leaves no room next to the "
                f"system prompt; it must be at least {needed}"
            )
        return self

    @property
    def system_prompt_message(self) -> ChatMessage:
        return ChatMessage.system(self.system_prompt)

    @property
    def history_budget(self) -> Budget:
        return Budget(self.history_max_tokens, self.history_max_messages)
