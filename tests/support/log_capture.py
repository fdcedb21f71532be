"""The bot's own logging set-up, pointed at a buffer and a file, undone after the test."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

from loguru import logger

from bot.log_filters import LIBRARIES, URL_LOGGERS
from bot.logs import setup_logging

# The loggers setup_logging sets a level of its own on, besides the root.
NAMED = (*LIBRARIES, *URL_LOGGERS, "aiogram.dispatcher")


class CapturedLogs:
    """What the console and the log file received."""

    def __init__(self, console: io.StringIO, log_dir: Path) -> None:
        self._console = console
        self._log_dir = log_dir

    def text(self) -> str:
        logger.complete()  # the file sink is enqueued: wait until it has written
        return self._console.getvalue() + (self._log_dir / "bot.log").read_text()


@contextmanager
def captured_logs(level: str, log_dir: Path, *, json: bool = False) -> Iterator[CapturedLogs]:
    """`setup_logging` as `python -m bot` calls it; loguru and stdlib logging restored after."""
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in NAMED}
    console = io.StringIO()
    try:
        with redirect_stderr(console):  # setup_logging adds `sys.stderr` as it is at the call
            setup_logging(level, json=json, log_dir=log_dir)
        yield CapturedLogs(console, log_dir)
    finally:
        logger.remove()
        logger.add(sys.stderr)
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)
