"""/start, /help, /cancel, the keyboard's buttons and the draft's stop button."""

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Message, MessageGenerationStopped
from loguru import logger

from bot.chat_settings.model import read
from bot.config import Settings
from bot.conversation.conversations import Conversations
from bot.core.chat import ChatKey
from bot.core.interrupts import Interrupted, Whose
from bot.delivery.outbox import Outbox
from bot.handlers.admins import is_admin
from bot.handlers.filters import TextIn
from bot.handlers.keys import chat_key, sender_id
from bot.handlers.topics import in_topic_mode, open_topic
from bot.keyboards import HELP_BUTTONS, NEW_DIALOG_BUTTONS, main_keyboard
from bot.texts import Texts


async def start(
    message: Message, bot: Bot, conversations: Conversations, texts: Texts, outbox: Outbox
) -> None:
    """A fresh dialog and a greeting that names the user; in a group, an admin's only."""
    name = message.from_user.first_name if message.from_user else ""
    logger.info("chat={} /start", message.chat.id)
    greeting = texts.greeting(name)
    if message.chat.type == ChatType.PRIVATE:
        await conversations.reset(chat_key(bot, message))
        _answer(outbox, message, greeting, texts)
        return
    outbox.send(message.chat.id, lambda: _reset_group(message, bot, conversations, texts, True))


async def new_dialog(
    message: Message,
    bot: Bot,
    conversations: Conversations,
    texts: Texts,
    outbox: Outbox,
    fsm_storage: BaseStorage,
) -> None:
    """/new and the keyboard's button: the dialog so far is kept (/dialogs). With the bot's
    topic mode on, a private chat's new dialog is a topic of its own; aiogram keeps getMe's
    answer, read at start (bot/components.py), so nothing here waits on Telegram."""
    if message.chat.type == ChatType.PRIVATE:
        if await in_topic_mode(bot, message):
            outbox.send(message.chat.id, lambda: open_topic(message, bot, texts, fsm_storage))
            return
        dropped = await conversations.reset(chat_key(bot, message))
        _answer(outbox, message, texts.new_dialog_dropping(dropped), texts)
        return
    outbox.send(message.chat.id, lambda: _reset_group(message, bot, conversations, texts, False))


async def _reset_group(
    message: Message, bot: Bot, conversations: Conversations, texts: Texts, greet: bool
) -> None:
    """In the chat's outbox: asking Telegram who is an admin never holds the dispatch loop.
    `greet`: /start's greeting, else the new-dialog button's note."""
    if not await is_admin(bot, message):
        await message.reply(texts.admins_only)
        return
    dropped = await conversations.reset(chat_key(bot, message))
    name = message.from_user.first_name if message.from_user else ""
    text = texts.greeting(name) if greet else texts.new_dialog_dropping(dropped)
    await message.answer(text, reply_markup=main_keyboard(texts))


def _answer(outbox: Outbox, message: Message, text: str, texts: Texts) -> None:
    keyboard = main_keyboard(texts)
    outbox.send(message.chat.id, lambda: message.answer(text, reply_markup=keyboard))


async def cancel(
    message: Message, bot: Bot, conversations: Conversations, texts: Texts, outbox: Outbox
) -> None:
    """In a group a member stops only their own answer and messages, at once; an admin's
    reach to the others' is settled in the chat's outbox, where asking Telegram who is an
    admin holds no other update."""
    key = chat_key(bot, message)
    if message.chat.type == ChatType.PRIVATE:
        outcome = await conversations.cancel(key)
        text = texts.cancelled(outcome.stopped, outcome.dropped)
        outbox.send(message.chat.id, lambda: message.answer(text))
        return
    own = await conversations.cancel(key, Whose(author=sender_id(message)))
    outbox.send(message.chat.id, lambda: _cancel_others(message, bot, conversations, texts, own))


async def _cancel_others(
    message: Message, bot: Bot, conversations: Conversations, texts: Texts, own: Interrupted
) -> None:
    """An admin's /cancel reaches the others' turns too, only those sent before it: messages
    the dispatch loop took while Telegram was asked are not the admin's to drop."""
    if await is_admin(bot, message):
        others = await conversations.cancel(
            chat_key(bot, message), Whose(before=message.message_id)
        )
        text = texts.cancelled(own.stopped or others.stopped, own.dropped + others.dropped)
    elif own.stopped or own.dropped:
        text = texts.cancelled(own.stopped, own.dropped)
    else:
        text = texts.cancel_not_yours
    await message.answer(text)


async def stop_button(
    event: MessageGenerationStopped, bot: Bot, conversations: Conversations
) -> None:
    """The stop button under a streaming draft (its id is the question's message id)."""
    await conversations.stop_turn(ChatKey(bot.id, event.chat.id), event.draft_id)


async def help_(
    message: Message,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    outbox: Outbox,
) -> None:
    """The help, with this chat's model and, in a group, how to address the bot (getMe,
    asked once: aiogram keeps the answer)."""
    model = (await read(state)).model or settings.groq_model
    text = texts.help + texts.help_model_template.format(model=model)
    if message.chat.type != ChatType.PRIVATE:
        text += texts.help_group.format(username=(await bot.me()).username)
    keyboard = main_keyboard(texts)
    outbox.send(message.chat.id, lambda: message.answer(text, reply_markup=keyboard))


def make_router() -> Router:
    router = Router(name="commands")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(new_dialog, Command("new"))
    router.message.register(cancel, Command("cancel"))
    router.stopped_message_generation.register(stop_button)
    return router


def make_keyboard_router() -> Router:
    """The reply keyboard's buttons, in any language: plain texts, so not under `Slashed`."""
    router = Router(name="keyboard")
    router.message.register(new_dialog, TextIn(NEW_DIALOG_BUTTONS))
    router.message.register(help_, TextIn(HELP_BUTTONS))
    return router
