"""The failures every layer may meet: a storage that is down, a setting the world refuses,
and the small set of model failures (free of any SDK's types)."""

from __future__ import annotations

from enum import StrEnum


class ModelErrorKind(StrEnum):
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"
    CONTEXT_TOO_LONG = "context_too_long"
    BAD_CREDENTIALS = "bad_credentials"
    QUOTA_EXCEEDED = "quota_exceeded"  # the user's USER_DAILY_TOKENS are spent: no call made
    # Groq no longer serves the model (`model_decommissioned`, `model_not_found`): retired and
    # the call made again on a live one (bot/llm/live.py); a user reads it only if none is left
    MODEL_RETIRED = "model_retired"


class ModelError(Exception):
    """A model call that failed after the SDK's own retries; `kind` decides what the user reads."""

    def __init__(self, kind: ModelErrorKind, detail: str, *, model: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail
        self.model = model  # the model called, where it matters (MODEL_RETIRED)


class StorageUnavailable(Exception):
    """The storage cannot be reached now (Redis down); the user is told to try again later."""


class ConfigurationError(Exception):
    """A setting the outside world refuses, found at start (a model Groq does not serve):
    `python -m bot` prints its one line and exits 2, as for a malformed setting."""
