"""aiogram Routers, one per feature; `get_routers` gives them in the order they must match."""

from aiogram import Router

from bot.handlers import chat, commands, dialogs, export, fallback, media, settings, usage
from bot.handlers.filters import Slashed


def get_routers() -> list[Router]:
    """Commands (and the settings buttons) first, then the keyboard, then text and media for
    the model, then the rest.

    The command routers sit under one parent whose `Slashed` filter lets every other message
    skip them all with one check (just bench: throughput)."""
    slashed = Router(name="commands and their buttons")
    slashed.message.filter(Slashed())
    slashed.include_routers(
        commands.make_router(),
        usage.make_router(),
        settings.make_router(),
        dialogs.make_router(),
        export.make_router(),
        chat.make_commands_router(),
    )
    return [
        slashed,
        commands.make_keyboard_router(),
        dialogs.make_reply_router(),
        chat.make_router(),
        media.make_router(),
        fallback.make_router(),
    ]
