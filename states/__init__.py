"""aiogram FSM states of a conversation."""

from states.conversation import ConversationStates

__all__ = ["ConversationStates"]
