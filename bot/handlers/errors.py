"""When the storage is down, the user hears so instead of silence."""

from aiogram import Bot
from aiogram.types import ErrorEvent
from loguru import logger

from bot.delivery.outbox import Outbox
from bot.texts import texts_for


async def storage_unavailable(event: ErrorEvent, bot: Bot, outbox: Outbox) -> None:
    """Registered on `dp.errors` for storage errors raised anywhere while handling an update."""
    message = event.update.message
    logger.error(
        "storage unavailable while handling update {}: {}", event.update.update_id, event.exception
    )
    if message is None:
        return
    user = message.from_user
    text = texts_for(user.language_code if user else None).storage_unavailable
    outbox.send(message.chat.id, lambda: bot.send_message(message.chat.id, text))
