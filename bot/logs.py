"""Loguru as the one log sink; the libraries' stdlib logging is routed into it, quietened and
stripped of bodies on the way (bot/log_filters.py)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import FrameType

from loguru import logger

from bot.log_filters import LibraryRecords, quiet_libraries

TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan> | {message}"
)


class InterceptHandler(logging.Handler):
    """The recipe from loguru's README: forward stdlib records with their real caller, each
    one line without a request's body or a file's content."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(LibraryRecords())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = logging.currentframe()
        depth = 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def setup_logging(level: str, *, json: bool, log_dir: Path | None) -> None:
    """Console (stderr) always; a rotating file when a directory is given.

    Raises OSError when the directory or its file cannot be created.
    """
    # loguru's `diagnose` prints every frame's local variables next to a traceback: a turn's
    # locals hold the user's message and the whole prompt, so a crash would log them at
    # ERROR. `backtrace` would add the frames above the handler (asyncio's), which only hide
    # where the turn failed.
    logger.remove()
    logger.add(
        sys.stderr,
        level=level,
        serialize=json,
        format=TEXT_FORMAT,
        colorize=None,
        diagnose=False,
        backtrace=False,
    )
    if log_dir is not None:
        logger.add(
            log_dir / "bot.log",
            level=level,
            serialize=json,
            format=TEXT_FORMAT,
            diagnose=False,
            backtrace=False,
            colorize=False,
            rotation="10 MB",
            retention=5,
            compression="gz",
            enqueue=True,
        )
    logging.basicConfig(handlers=[InterceptHandler()], force=True)
    quiet_libraries(logger.level(level).no)
