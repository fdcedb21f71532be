"""How a turn ended: every step of a turn returns an `Outcome` (what the user then reads is
decided in one table, bot/conversation/outcomes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import ModelErrorKind


class Ending(StrEnum):
    ANSWERED = "answered"  # delivered and committed
    STOPPED = "stopped"  # the user stopped it: the text so far delivered and committed
    STOPPED_EMPTY = "stopped before any text"
    NOTHING_TO_RETRY = "nothing to retry"
    MODEL_FAILED = "model failed"
    EMPTY_ANSWER = "empty answer"
    BLOCKED = "blocked"  # the user blocked the bot: nobody to tell
    SEND_FAILED = "send failed"
    RESET = "answered after a reset; not committed"
    NOT_SAVED = "answered, not saved"  # the user has the answer; the history lost it
    LEASE_LOST = "lease lost; not saved, left to the chat's new holder"
    # Its end could not be written (the storage is down), so it stays in the durable inbox and
    # is answered once the storage is back: nobody is asked to send it again.
    KEPT = "not ended; kept in the inbox until the storage is back"
    STORAGE_UNAVAILABLE = "storage unavailable"
    CRASHED = "crashed"
    GAVE_UP = "skipped: its process died in it before"  # prompting.py MAX_ATTEMPTS
    # A voice note, photo or file that could not become a question (bot/media/): no model call.
    FILE_TOO_BIG = "file too big"
    DOWNLOAD_FAILED = "download failed"
    EMPTY_TRANSCRIPT = "empty transcript"
    UNSUPPORTED_FILE = "unsupported file"
    NO_TEXT_LAYER = "pdf without a text layer"
    UNREADABLE_FILE = "unreadable file"
    IMAGE_TOO_LARGE = "image too large"  # over MAX_PIXELS, refused from its header
    UNSUPPORTED_IMAGE = "unsupported image format"  # none of JPEG, PNG, WebP, GIF
    PDF_TOO_SLOW = "pdf reading timed out with nothing read"  # PDF_TIMEOUT


@dataclass(frozen=True, slots=True)
class Outcome:
    ending: Ending
    chars: int = 0  # of the answer delivered
    history: int = 0  # messages of history the prompt was built on
    model_error: ModelErrorKind | None = None
    detail: str = ""  # never a message text: an error's type, a model error's summary
    error: BaseException | None = None  # a crash, for its traceback in the log
    limit_mb: int = 0  # FILE_TOO_BIG: the limit the file was over
    limit_mp: int = 0  # IMAGE_TOO_LARGE: the megapixels the image was over
