"""The one table that maps each way a turn ends (bot/core/outcomes.py) to the user's text and
the log.

The runner's steps return an `Outcome`; nothing else in the bot decides what a user reads
after a turn or how its log line looks (docs/architecture.md, "The path of a message").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from bot.core.days import until_reset
from bot.core.errors import ModelErrorKind
from bot.core.outcomes import Ending, Outcome
from bot.core.turn import Turn
from bot.texts import Texts, texts_for


@dataclass(frozen=True, slots=True)
class _Rule:
    notice: Callable[[Texts, Outcome], str] | None
    level: str
    replaces_preview: bool = False  # a half answer in the preview gives way to the notice
    quotes_question: bool = True


def _model_error_text(texts: Texts, outcome: Outcome) -> str:
    return {
        ModelErrorKind.TIMEOUT: texts.model_timeout,
        ModelErrorKind.RATE_LIMITED: texts.model_rate_limited,
        ModelErrorKind.UNAVAILABLE: texts.model_unavailable,
        ModelErrorKind.REJECTED: texts.model_rejected,
        ModelErrorKind.CONTEXT_TOO_LONG: texts.model_context_too_long,
        ModelErrorKind.BAD_CREDENTIALS: texts.model_bad_credentials,
        ModelErrorKind.QUOTA_EXCEEDED: texts.quota_exceeded(until_reset()),
        ModelErrorKind.MODEL_RETIRED: texts.model_gone,
    }[outcome.model_error or ModelErrorKind.UNAVAILABLE]


_RULES: dict[Ending, _Rule] = {
    Ending.ANSWERED: _Rule(None, "INFO"),
    Ending.STOPPED: _Rule(None, "INFO"),
    Ending.STOPPED_EMPTY: _Rule(lambda t, _: t.stopped, "INFO"),
    Ending.NOTHING_TO_RETRY: _Rule(lambda t, _: t.retry_nothing, "INFO", quotes_question=False),
    Ending.MODEL_FAILED: _Rule(_model_error_text, "WARNING", replaces_preview=True),
    Ending.EMPTY_ANSWER: _Rule(lambda t, _: t.empty_reply, "WARNING", replaces_preview=True),
    Ending.BLOCKED: _Rule(None, "INFO"),
    Ending.SEND_FAILED: _Rule(lambda t, _: t.send_failed, "WARNING"),
    Ending.RESET: _Rule(None, "INFO"),
    Ending.NOT_SAVED: _Rule(None, "ERROR"),
    Ending.LEASE_LOST: _Rule(None, "WARNING"),
    Ending.KEPT: _Rule(None, "WARNING"),
    Ending.STORAGE_UNAVAILABLE: _Rule(lambda t, _: t.storage_unavailable, "ERROR"),
    Ending.CRASHED: _Rule(lambda t, _: t.internal_error, "ERROR", replaces_preview=True),
    Ending.GAVE_UP: _Rule(lambda t, _: t.inbox_gave_up, "ERROR"),
    Ending.FILE_TOO_BIG: _Rule(lambda t, o: t.file_too_big(o.limit_mb), "INFO"),
    Ending.DOWNLOAD_FAILED: _Rule(lambda t, _: t.download_failed, "WARNING"),
    Ending.EMPTY_TRANSCRIPT: _Rule(lambda t, _: t.empty_transcript, "INFO"),
    Ending.UNSUPPORTED_FILE: _Rule(lambda t, _: t.unsupported_file, "INFO"),
    Ending.NO_TEXT_LAYER: _Rule(lambda t, _: t.no_text_layer, "INFO"),
    Ending.UNREADABLE_FILE: _Rule(lambda t, _: t.unreadable_file, "INFO"),
    Ending.IMAGE_TOO_LARGE: _Rule(lambda t, o: t.image_too_large(o.limit_mp), "INFO"),
    Ending.UNSUPPORTED_IMAGE: _Rule(lambda t, _: t.unsupported_image, "INFO"),
    Ending.PDF_TOO_SLOW: _Rule(lambda t, _: t.pdf_too_slow, "INFO"),
}


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    reply_to: int | None
    replaces_preview: bool


def notice_for(turn: Turn, outcome: Outcome) -> Notice | None:
    """What the user reads besides the answer itself, if anything."""
    rule = _RULES[outcome.ending]
    if rule.notice is None:
        return None
    reply_to = turn.message_id if rule.quotes_question else None
    return Notice(
        rule.notice(texts_for(turn.language_code), outcome), reply_to, rule.replaces_preview
    )


def is_failure(outcome: Outcome) -> bool:
    """Counted as an error in /stats: logged above INFO, and not a user's spent quota."""
    return (
        _RULES[outcome.ending].level != "INFO"
        and outcome.model_error is not ModelErrorKind.QUOTA_EXCEEDED
    )


def log_outcome(turn: Turn, outcome: Outcome) -> None:
    """One line per turn: the chat, the message, how it ended; never the message's text."""
    rule = _RULES[outcome.ending]
    extra = []
    if outcome.ending in (Ending.ANSWERED, Ending.STOPPED):
        extra.append(f"{outcome.chars} chars, history {outcome.history} msgs before")
    if outcome.detail:
        extra.append(outcome.detail)
    logger.opt(exception=outcome.error).log(
        rule.level,
        "chat={} msg={} {}{}",
        turn.chat_id,
        turn.message_id,
        outcome.ending.value,
        f" ({'; '.join(extra)})" if extra else "",
    )
