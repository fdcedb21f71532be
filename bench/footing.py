"""The same footing for every bot the bench compares: only the design may differ.

Every baseline gets the bot's own coroutine filters, the bot's outer middlewares built from
the same settings, and an FSM set up as ours is; logging is off for all of them alike. The
one variant of ours that differs on purpose is `with_magic_filters`: the older design, kept
measurable so docs/performance.md's "what profiling changed" can be reproduced by `just bench`.
"""

from __future__ import annotations

import logging
import os
import platform
from importlib.metadata import version

from aiogram import Dispatcher, F
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.fsm.strategy import FSMStrategy
from aiogram.utils.magic_filter import MagicFilter
from loguru import logger

from bot.app import add_middlewares
from bot.config import Settings
from bot.delivery.notices import Notices
from bot.handlers.filters import COMMAND, ContentTypeIn, HasText, LooksLikeCommand, TextIn
from bot.storage.base import StorageOptions
from bot.storage.memory import MemoryBackend

FOOTING = (
    "every bot: the bot's coroutine filters (bot.handlers.filters), its outer middlewares "
    "built from the same settings by bot.app.add_middlewares (allow-list empty: not installed, "
    "RATE_LIMIT_MESSAGES=0: the rate limit is off for ours and the baselines alike), FSM in "
    "memory per chat, logging off (loguru sinks removed, stdlib logging disabled)"
)


def machine() -> str:
    """The header's machine line: what every figure of a run was measured on."""
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"aiogram {version('aiogram')}, groq {version('groq')}, {platform.platform()}"
    )


def logging_off() -> None:
    """No bot pays for a console: loguru (ours) and the stdlib (aiogram's own logs) alike."""
    logger.remove()
    logging.disable(logging.CRITICAL)


def baseline_dispatcher(settings: Settings) -> Dispatcher:
    """A Dispatcher set up as the composition root sets up ours, with no routers yet."""
    options = StorageOptions(
        bot_id=0, max_messages=settings.history_max_messages, ttl_seconds=settings.history_ttl
    )
    backend = MemoryBackend.from_url("memory://", options)
    dp = Dispatcher(storage=backend.fsm_storage, fsm_strategy=FSMStrategy.CHAT_TOPIC)
    add_middlewares(dp, settings, backend, Notices(settings.rate_limit_window))
    return dp


def text_filter() -> HasText:
    """The filter our text handler uses, for the baselines' one handler."""
    return HasText()


def magic_equivalent(check: object) -> MagicFilter | None:
    """The magic `F` filter that one of our coroutine filters replaced, or None."""
    if isinstance(check, HasText):
        return F.text
    if isinstance(check, TextIn):
        return F.text.in_(check._texts)
    if isinstance(check, LooksLikeCommand):
        return F.text.regexp(COMMAND)
    if isinstance(check, ContentTypeIn):
        return F.content_type.in_(check._types)
    return None


def with_magic_filters(dp: Dispatcher) -> int:
    """Ours as it was: each coroutine filter back to its magic `F` filter; how many swapped.

    aiogram runs a magic filter through `asyncio.to_thread`; nothing else changes.
    """
    swapped = 0
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                for index, filter_object in enumerate(handler.filters or []):
                    magic = magic_equivalent(filter_object.callback)
                    if magic is not None and handler.filters is not None:
                        handler.filters[index] = FilterObject(magic)
                        swapped += 1
    return swapped
