"""Reading what the bot asked the fake Groq: the dialog a chat-completion request carried.

Tests of ordering, history and failures compare it with what the user said; several modules
use it, so it lives here rather than in one of them."""

from __future__ import annotations


def user_turns(request: dict[str, object]) -> list[str]:
    """The texts of the user's turns in the request, oldest first."""
    messages = request["messages"]
    assert isinstance(messages, list)
    return [m["content"] for m in messages if m["role"] == "user"]


def dialog_of(request: dict[str, object]) -> list[tuple[str, str]]:
    """The request's messages as (role, content), the system prompt first."""
    messages = request["messages"]
    assert isinstance(messages, list)
    return [(m["role"], m["content"]) for m in messages]
