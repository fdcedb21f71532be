"""What a running turn may ask of the actor that runs it (bot/conversation/actor.py
implements it for bot/conversation/runner.py)."""

from __future__ import annotations

from typing import Protocol

from bot.core.chat import ChatKey


class TurnContext(Protocol):
    """What a running turn may ask of the actor that runs it."""

    @property
    def key(self) -> ChatKey: ...

    def is_current(self, epoch: int) -> bool:
        """False once the dialog was reset after the turn began: its result must not land."""
        ...

    def others_waiting(self) -> bool:
        """True when other messages of this chat are waiting: replies then quote their message."""
        ...

    @property
    def lease(self) -> str | None:
        """The token of the chat's lease the turn runs under (leased placement): its end is
        written only while that lease holds. None in memory mode."""
        ...
