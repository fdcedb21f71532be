"""Anything that is not text (photos, stickers, voice, files): a polite word, not silence."""

from aiogram import Router
from aiogram.enums import ContentType
from aiogram.types import Message
from loguru import logger

from bot.delivery.outbox import Outbox
from bot.handlers.filters import ContentTypeIn
from bot.texts import Texts

# What a person sends instead of text; service messages (joins, pins, ...) get no answer.
NOT_TEXT = {
    ContentType.PHOTO,
    ContentType.STICKER,
    ContentType.VOICE,
    ContentType.VIDEO_NOTE,
    ContentType.VIDEO,
    ContentType.AUDIO,
    ContentType.DOCUMENT,
    ContentType.ANIMATION,
    ContentType.LOCATION,
    ContentType.VENUE,
    ContentType.CONTACT,
    ContentType.POLL,
    ContentType.DICE,
}


async def not_text(message: Message, texts: Texts, outbox: Outbox) -> None:
    logger.info("chat={} sent a {}; told we read text only", message.chat.id, message.content_type)
    outbox.send(message.chat.id, lambda: message.reply(texts.non_text))


def make_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_text, ContentTypeIn(NOT_TEXT))
    return router
