"""/usage for everyone, /stats for ADMIN_USER_IDS only (others get the unknown-command
answer: the command is not theirs to know)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, Filter
from aiogram.types import Message
from loguru import logger

from bot.config import Settings
from bot.core.days import until_reset
from bot.delivery.outbox import Outbox
from bot.storage.base import UsageStore
from bot.texts import Texts


class FromAdmin(Filter):
    async def __call__(self, message: Message, settings: Settings) -> bool:
        user = message.from_user
        return user is not None and user.id in settings.admin_user_ids


async def usage(
    message: Message, usage: UsageStore, settings: Settings, texts: Texts, outbox: Outbox
) -> None:
    user_id = message.from_user.id if message.from_user else message.chat.id
    tokens = await usage.tokens_today(user_id)
    text = texts.usage(tokens, settings.user_daily_tokens, until_reset())
    outbox.send(message.chat.id, lambda: message.answer(text))


async def stats(message: Message, usage: UsageStore, texts: Texts, outbox: Outbox) -> None:
    day = await usage.today()
    logger.info("chat={} /stats", message.chat.id)
    text = texts.stats(day.users, day.turns, day.tokens, day.errors, day.rate_limited)
    outbox.send(message.chat.id, lambda: message.answer(text))


def make_router() -> Router:
    router = Router(name="usage")
    router.message.register(usage, Command("usage"))
    router.message.register(stats, Command("stats"), FromAdmin())
    return router
