"""/start, /help and their keyboard buttons."""

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message, MessageGenerationStopped
from loguru import logger

from bot.conversation.supervisor import Conversations
from bot.dialog.store import DialogKey
from bot.handlers.chat import enqueue
from bot.handlers.filters import TextIn
from bot.handlers.keys import dialog_key, message_texts, message_turn
from bot.keyboards import HELP_BUTTONS, NEW_DIALOG_BUTTONS, main_keyboard
from bot.limits.notices import Notices


async def start(message: Message, bot: Bot, conversations: Conversations) -> None:
    """A fresh dialog and a greeting that names the user."""
    texts = message_texts(message)
    await conversations.reset(dialog_key(bot, message))
    name = message.from_user.first_name if message.from_user else ""
    logger.info("chat={} /start", message.chat.id)
    await message.answer(texts.greeting(name), reply_markup=main_keyboard(texts))


async def new_dialog(message: Message, bot: Bot, conversations: Conversations) -> None:
    texts = message_texts(message)
    dropped = await conversations.reset(dialog_key(bot, message))
    await message.answer(texts.new_dialog_dropping(dropped), reply_markup=main_keyboard(texts))


async def cancel(message: Message, bot: Bot, conversations: Conversations) -> None:
    stopped, dropped = await conversations.cancel(dialog_key(bot, message))
    await message.answer(message_texts(message).cancelled(stopped, dropped))


async def retry(
    message: Message, bot: Bot, conversations: Conversations, notices: Notices
) -> None:
    """Queued like any message, so it regenerates the answer the user saw last."""
    await enqueue(message, bot, conversations, message_turn(message, retry=True), notices)


async def stop_button(
    event: MessageGenerationStopped, bot: Bot, conversations: Conversations
) -> None:
    """The stop button under a streaming draft (its id is the question's message id)."""
    await conversations.stop_turn(DialogKey(bot.id, event.chat.id), event.draft_id)


async def help_(message: Message) -> None:
    texts = message_texts(message)
    await message.answer(texts.help, reply_markup=main_keyboard(texts))


def make_router() -> Router:
    router = Router(name="commands")
    router.message.register(start, CommandStart())
    router.message.register(new_dialog, TextIn(NEW_DIALOG_BUTTONS))
    router.message.register(help_, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(retry, Command("retry"))
    router.stopped_message_generation.register(stop_button)
    router.message.register(help_, TextIn(HELP_BUTTONS))
    return router
