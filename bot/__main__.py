"""`python -m bot`: load the settings, set up logging, run until stopped."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from loguru import logger
from pydantic import ValidationError

from bot.config import Settings, describe_errors
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="A Telegram chat bot for LLMs served by Groq."
    )
    parser.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="settings file (default: .env)"
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings(_env_file=args.env_file)
    except ValidationError as error:
        sys.stderr.write(describe_errors(error) + "\n")
        return 2
    setup_logging(
        settings.log_level,
        json=settings.log_format == "json",
        log_dir=settings.log_dir if settings.log_to_file else None,
    )
    # aiogram takes seconds to import: a configuration error is reported before that.
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import run
    from bot.domain import StorageUnavailable

    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except TelegramUnauthorizedError:
        logger.error("Telegram rejected BOT_TOKEN: check it with @BotFather (see .env.example)")
        return 1
    except StorageUnavailable as error:
        logger.error("cannot reach the storage at STORAGE_URL ({}); is Redis running?", error)
        return 1
    except TelegramNetworkError as error:
        logger.error("cannot reach the Telegram Bot API: {}", error.message)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
