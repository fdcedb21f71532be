"""Text and /retry for the model: handed to the chat's conversation, never awaited here.

The chat's FSM state (aiogram's StateFilter) says whether its actor is busy; the intake marks
a message that will wait (bot/handlers/intake.py).
"""

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import Message

from bot.core.fsm import ConversationStates
from bot.delivery.outbox import Outbox
from bot.handlers.filters import HasText, LooksLikeCommand
from bot.handlers.intake import BUSY_STATE, Intake
from bot.texts import Texts

BUSY = StateFilter(ConversationStates.awaiting_reply)


async def unknown_command(message: Message, texts: Texts, outbox: Outbox) -> None:
    """A mistyped command costs no model call."""
    outbox.send(message.chat.id, lambda: message.reply(texts.unknown_command))


async def text(message: Message, bot: Bot, intake: Intake) -> None:
    await intake.take(message, bot, busy=False)


async def queued_text(message: Message, bot: Bot, intake: Intake) -> None:
    await intake.take(message, bot, busy=True)


async def retry(message: Message, bot: Bot, intake: Intake, raw_state: str | None) -> None:
    """Queued like any message, so it regenerates the answer the user saw last."""
    await intake.take(message, bot, busy=raw_state == BUSY_STATE, retry=True)


def make_commands_router() -> Router:
    """/retry, and any other command for us: the last of the command routers."""
    router = Router(name="chat commands")
    router.message.register(retry, Command("retry"))
    router.message.register(unknown_command, LooksLikeCommand())
    return router


def make_router() -> Router:
    router = Router(name="chat")
    router.message.register(queued_text, HasText(), BUSY)
    router.message.register(text, HasText())
    return router
