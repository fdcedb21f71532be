"""The states a chat's conversation passes through, as aiogram sees them."""

from aiogram.fsm.state import State, StatesGroup


class ConversationStates(StatesGroup):
    """`idle` when nothing is pending; `awaiting_reply` while the actor has turns to answer."""

    idle = State()
    awaiting_reply = State()
