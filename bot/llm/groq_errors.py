"""The Groq SDK's errors as the bot's own small set (bot/llm/errors.py)."""

from __future__ import annotations

import groq

from bot.core.errors import ModelError, ModelErrorKind

_CONTEXT_MARKERS = ("context_length_exceeded", "reduce the length", "context length")
# What Groq answers for a model it no longer serves (400) or never served this key (404).
_RETIRED_CODES = ("model_decommissioned", "model_not_found")


def map_error(error: groq.GroqError, model: str = "") -> ModelError:
    """Translate the SDK's typed errors into the bot's own set; `model` is the one called."""
    match error:
        case groq.APITimeoutError():
            kind = ModelErrorKind.TIMEOUT
        case groq.APIConnectionError():
            kind = ModelErrorKind.UNAVAILABLE
        case groq.RateLimitError():
            kind = ModelErrorKind.RATE_LIMITED
        case groq.AuthenticationError() | groq.PermissionDeniedError():
            kind = ModelErrorKind.BAD_CREDENTIALS
        case groq.APIStatusError() if error.status_code >= 500:
            kind = ModelErrorKind.UNAVAILABLE
        case groq.APIStatusError() if error_code(error) in _RETIRED_CODES:
            kind = ModelErrorKind.MODEL_RETIRED
        case groq.APIStatusError() if _says_context_too_long(error):
            kind = ModelErrorKind.CONTEXT_TOO_LONG
        case _:
            kind = ModelErrorKind.REJECTED
    status = getattr(error, "status_code", None)
    detail = f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
    if kind is ModelErrorKind.MODEL_RETIRED and isinstance(error, groq.APIStatusError):
        detail += f" {error_code(error)}"
    return ModelError(kind, detail, model=model)


def error_code(error: groq.APIStatusError) -> str:
    """The `error.code` of Groq's JSON error body, or ""."""
    body = error.body
    inner = body.get("error", body) if isinstance(body, dict) else None
    code = inner.get("code") if isinstance(inner, dict) else None
    return code if isinstance(code, str) else ""


def _says_context_too_long(error: groq.APIStatusError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return error.status_code in (400, 413) and any(m in text for m in _CONTEXT_MARKERS)
