"""`python -m bot`: load the settings, set up logging, run until stopped."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loguru import logger
from pydantic import ValidationError

from bot.config import Settings
from bot.config_rules import describe_errors
from bot.event_loop import run_loop
from bot.logs import setup_logging


def configuration_error(line: str) -> int:
    """The one line a bad setting gets, and the exit status that tells it from a failure."""
    if not line.startswith("configuration error: "):
        line = f"configuration error: {line} (see .env.example)"
    sys.stderr.write(line + "\n")
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="A Telegram chat bot for LLMs served by Groq."
    )
    parser.add_argument("--env-file", type=Path, help="settings file (default: .env, if any)")
    args = parser.parse_args(argv)
    env_file: Path = args.env_file or Path(".env")
    if args.env_file is not None and not env_file.is_file():
        return configuration_error(f"--env-file {env_file} is not a file")
    try:
        settings = Settings(_env_file=env_file)
    except ValidationError as error:
        return configuration_error(describe_errors(error))
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error
        return configuration_error(f"cannot read {env_file}: {reason}")
    try:  # creates LOG_DIR and opens its file: the last check of the settings
        setup_logging(
            settings.log_level,
            json=settings.log_format == "json",
            log_dir=settings.log_dir if settings.log_to_file else None,
        )
    except OSError as error:
        reason = error.strerror or error
        return configuration_error(
            f"LOG_DIR {settings.log_dir} cannot hold the log file: {reason}"
        )
    # aiogram takes seconds to import: a configuration error is reported before that.

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import run
    from bot.core.errors import ConfigurationError, StorageUnavailable

    try:
        run_loop(run(settings))
    except KeyboardInterrupt:
        pass
    except ConfigurationError as error:
        return configuration_error(f"configuration error: {error}")
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
