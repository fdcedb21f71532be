"""Trimming a dialog to its budget: a pure function, proven by property tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.messages import ChatMessage, Role
from bot.core.tokens import MESSAGE_OVERHEAD_TOKENS, message_tokens, shorten_to_tokens


@dataclass(frozen=True, slots=True)
class Budget:
    """How much history one request may carry: tokens (system prompt included) and messages."""

    max_tokens: int
    max_messages: int

    def __post_init__(self) -> None:
        if self.max_tokens < 1 or self.max_messages < 1:
            raise ValueError("a budget needs at least one token and one message")


def min_tokens_for(system: ChatMessage) -> int:
    """The smallest token budget that leaves the newest user message at least one token."""
    return message_tokens(system) + MESSAGE_OVERHEAD_TOKENS + 1


def trim_history(
    system: ChatMessage, dialog: Sequence[ChatMessage], budget: Budget
) -> list[ChatMessage]:
    """The system prompt followed by the newest suffix of `dialog` that fits `budget`.

    The newest user message (the last one) is always kept, shortened from its start if it
    alone is too long, and the kept part never starts with an assistant message: a model
    reads a dialog that opens with its own answer as a question it never saw.
    """
    if system.role is not Role.SYSTEM:
        raise ValueError("the first argument must be the system prompt")
    if not dialog or dialog[-1].role is not Role.USER:
        raise ValueError("the dialog must end with the newest user message")
    if budget.max_tokens < min_tokens_for(system):
        raise ValueError(f"max_tokens must be at least {min_tokens_for(system)}")

    room = budget.max_tokens - message_tokens(system)
    newest = dialog[-1]
    if message_tokens(newest) > room:
        images = message_tokens(replace(newest, content="")) - MESSAGE_OVERHEAD_TOKENS
        shortened = shorten_to_tokens(newest.content, room - MESSAGE_OVERHEAD_TOKENS - images)
        return [system, replace(newest, content=shortened)]

    start = len(dialog)
    used = 0
    # Only the messages walked over are looked at, so the cost follows what is kept, not the
    # length of the dialog (just bench: trimming figures).
    while start > 0 and len(dialog) - start < budget.max_messages:
        message = dialog[start - 1]
        if message.role is Role.SYSTEM:
            raise ValueError("the dialog must not hold system messages")
        cost = message_tokens(message)
        if used + cost > room:
            break
        used += cost
        start -= 1
    while dialog[start].role is Role.ASSISTANT:
        start += 1
    return [system, *dialog[start:]]
