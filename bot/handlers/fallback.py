"""Anything that is not text (photos, stickers, voice, files): a polite word, not silence."""

from aiogram import Router
from aiogram.types import Message
from loguru import logger

from bot.handlers.keys import message_texts


async def not_text(message: Message) -> None:
    logger.info("chat={} sent a {}; told we read text only", message.chat.id, message.content_type)
    await message.reply(message_texts(message).non_text)


def make_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_text)
    return router
