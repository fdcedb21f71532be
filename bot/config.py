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
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.dialog.messages import ChatMessage
from bot.dialog.trimming import Budget, min_tokens_for
from bot.storage.urls import MEMORY_URL, REDIS_SCHEMES

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a Telegram chat. Answer clearly and to the point. "
    "If a question is ambiguous, ask a short clarifying question before answering. "
    "Always answer in the language the user writes in."
)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Every setting (README, "Settings"); field aliases are the variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `KEY=` as copied from .env.example means "use the default"
        populate_by_name=False,
        frozen=True,
    )

    bot_token: SecretStr = Field(validation_alias="BOT_TOKEN")
    groq_api_key: SecretStr = Field(validation_alias=AliasChoices("GROQ_API_KEY", "GROK_API_KEY"))
    groq_model: str = Field(
        "llama-3.3-70b-versatile", validation_alias=AliasChoices("GROQ_MODEL", "GROK_MODEL")
    )
    groq_base_url: HttpUrl | None = Field(None, validation_alias="GROQ_BASE_URL")
    groq_request_timeout: float = Field(
        60.0,
        gt=0,
        validation_alias=AliasChoices("GROQ_REQUEST_TIMEOUT", "GROK_REQUEST_TIMEOUT"),
    )
    groq_max_retries: int = Field(1, ge=0, le=5, validation_alias="GROQ_MAX_RETRIES")
    bot_request_timeout: float = Field(60.0, gt=0, validation_alias="BOT_REQUEST_TIMEOUT")
    telegram_api_url: HttpUrl | None = Field(None, validation_alias="TELEGRAM_API_URL")
    storage_url: str = Field("memory://", validation_alias="STORAGE_URL")
    history_ttl: int = Field(30 * 86400, ge=60, validation_alias="HISTORY_TTL")
    redis_prefix: str = Field("groqbot", min_length=1, validation_alias="REDIS_PREFIX")
    # How long a dead replica's chats wait before another replica takes them over.
    lease_ttl: float = Field(10.0, ge=0.3, le=600, validation_alias="LEASE_TTL")

    webhook_url: HttpUrl | None = Field(None, validation_alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    webhook_host: str = Field("0.0.0.0", validation_alias="WEBHOOK_HOST")
    webhook_port: int = Field(8080, ge=1, le=65535, validation_alias="WEBHOOK_PORT")

    system_prompt: str = Field(
        DEFAULT_SYSTEM_PROMPT, min_length=1, validation_alias="SYSTEM_PROMPT"
    )
    history_max_tokens: int = Field(6000, ge=64, validation_alias="HISTORY_MAX_TOKENS")
    history_max_messages: int = Field(40, ge=1, validation_alias="HISTORY_MAX_MESSAGES")

    stream_replies: bool = Field(True, validation_alias="STREAM_REPLIES")
    stream_interval: float = Field(0.5, gt=0, validation_alias="STREAM_INTERVAL")

    inbox_size: int = Field(20, ge=1, validation_alias="INBOX_SIZE")
    actor_idle_timeout: float = Field(600.0, gt=0, validation_alias="ACTOR_IDLE_TIMEOUT")
    shutdown_timeout: float = Field(10.0, ge=0, validation_alias="SHUTDOWN_TIMEOUT")

    allowed_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="ALLOWED_USER_IDS"
    )
    rate_limit_messages: int = Field(30, ge=0, validation_alias="RATE_LIMIT_MESSAGES")
    rate_limit_window: float = Field(60.0, gt=0, validation_alias="RATE_LIMIT_WINDOW")

    log_level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = (
        Field("INFO", validation_alias="LOG_LEVEL")
    )
    log_format: LogFormat = Field(LogFormat.TEXT, validation_alias="LOG_FORMAT")
    log_dir: Path = Field(Path("logs"), validation_alias="LOG_DIR")
    log_to_file: bool = Field(True, validation_alias="LOG_TO_FILE")

    @field_validator("allowed_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept the natural `1,2,3` form instead of JSON."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if value != MEMORY_URL and not value.startswith(REDIS_SCHEMES):
            raise ValueError("must be memory:// or a redis:// URL")
        return value

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if self.webhook_url is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError(
                "WEBHOOK_SECRET must be set with WEBHOOK_URL: 16 to 256 of A-Z, a-z, 0-9, _ and -"
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


def describe_errors(error: ValidationError) -> str:
    """One line naming each bad variable, for people who have no use for a traceback."""
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        reason = "is missing" if item["type"] == "missing" else item["msg"]
        problems.append(f"{name} {reason}")
    return "configuration error: " + "; ".join(problems) + " (see .env.example)"
