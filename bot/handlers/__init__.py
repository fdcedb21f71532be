"""aiogram Routers, one per feature; `get_routers` gives them in the order they must match."""

from aiogram import Router

from bot.handlers import capacity, chat, commands, fallback


def get_routers() -> list[Router]:
    """Commands and buttons first, then text (and /retry) for the model, then the rest."""
    return [
        commands.make_router(),
        capacity.make_router(),
        chat.make_router(),
        fallback.make_router(),
    ]
