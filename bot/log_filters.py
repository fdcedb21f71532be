"""What the libraries may put in the log: quiet below WARNING, and never a body or a file.

The Groq SDK's debug records carry whole requests (prompts, images as data URLs, Whisper
audio), pypdf's warnings an attacker's PDF objects, and building such a record costs the
event loop CPU even when the sink then drops it. So the libraries' stdlib loggers are set to
WARNING (DEBUG only with LOG_LEVEL=DEBUG or TRACE): their records are not even built. What
does reach the log passes `LibraryRecords`, a filter on the intercept handler (bot/logs.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

MAX_RECORD_CHARS = 500
# Loggers set explicitly, besides the root's level, in case something lowered one of them.
LIBRARIES = ("groq", "aiohttp", "aiogram", "pypdf", "PIL", "redis", "asyncio")
# httpx logs each request's URL, and Telegram's file URLs hold the bot's token: never below
# WARNING, whatever LOG_LEVEL says.
URL_LOGGERS = ("httpx", "httpcore")
# Keys of the SDK's request options that carry what a user sent (groq/_models.py).
BODY_KEYS = frozenset({"json_data", "files", "content", "data", "extra_json"})
DATA_URL = re.compile(r"data:[\w.+/-]*;base64,[A-Za-z0-9+/=]+")
PDF_LINE = "%s: a malformed PDF was read around its faults (details withheld)"


def quiet_libraries(level: int) -> None:
    """The stdlib levels for LOG_LEVEL `level` (a number): below them no record is built."""
    debugging = level <= logging.DEBUG
    libraries = level if debugging else max(level, logging.WARNING)
    logging.getLogger().setLevel(libraries)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(libraries)
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # aiogram's polling lines (started, stopped, the connection lost and back) are rare and
    # worth having; its line per update ("aiogram.event") is not, below DEBUG.
    logging.getLogger("aiogram.dispatcher").setLevel(level)


class LibraryRecords(logging.Filter):
    """Every stdlib record leaves as one line of at most MAX_RECORD_CHARS, without bodies.

    A request's options are summarised, data URLs withheld, and pypdf's warnings become one
    fixed line, at most one a second (a hostile PDF may hold thousands of faults).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._pdf_said = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.partition(".")[0] == "pypdf":
            now = self._clock()
            if now - self._pdf_said < 1:
                return False
            self._pdf_said = now
            record.msg, record.args = PDF_LINE, (record.name,)
            return True
        record.msg, record.args = one_line(_message(record)), None
        return True


def one_line(message: str) -> str:
    """No data URL, no line break (a forged next line), at most MAX_RECORD_CHARS."""
    message = DATA_URL.sub("data:…(withheld)", message)
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    if len(message) > MAX_RECORD_CHARS:
        cut = len(message) - MAX_RECORD_CHARS
        message = f"{message[:MAX_RECORD_CHARS]}… ({cut} characters cut)"
    return message


def _message(record: logging.LogRecord) -> str:
    """The record's text, a request's body left out; never raises (it runs in the caller)."""
    options = _request_options(record.args)
    try:
        if options is not None:
            return _summary(str(record.msg), options)
        return record.getMessage()
    except Exception:  # a library's bad format string: its template is still worth a line
        return str(record.msg)


def _request_options(args: Any) -> Mapping[str, Any] | None:
    """The mapping among the arguments that holds a request's body, if any."""
    candidates = [args] if isinstance(args, Mapping) else list(args or ())
    for candidate in candidates:
        if isinstance(candidate, Mapping) and BODY_KEYS & candidate.keys():
            return candidate
    return None


def _summary(template: str, options: Mapping[str, Any]) -> str:
    """`Request options: POST /openai/v1/chat/completions (json_data withheld)`."""
    prefix = template.partition("%")[0].strip()
    withheld = ", ".join(sorted(key for key in BODY_KEYS if options.get(key)))
    method = str(options.get("method", "")).upper()
    body = f"{withheld} withheld" if withheld else "no body"
    return f"{prefix} {method} {options.get('url', '')} ({body})"
