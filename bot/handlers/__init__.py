"""aiogram Routers, one per feature; `get_routers` gives them in the order they must match."""

from aiogram import Router

from bot.handlers import capacity, chat, commands, export, fallback, media, settings


def get_routers() -> list[Router]:
    """Commands, settings and buttons first, then text (and /retry) and media for the model,
    then the rest."""
    return [
        commands.make_router(),
        capacity.make_router(),
        settings.make_router(),
        export.make_router(),
        chat.make_router(),
        media.make_router(),
        fallback.make_router(),
    ]
