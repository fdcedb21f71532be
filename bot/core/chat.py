"""Which conversation a message belongs to: a bot, a chat, and a forum topic in it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatKey:
    """One dialog: a bot's chat, or one forum topic of it (aiogram's CHAT_TOPIC strategy)."""

    bot_id: int
    chat_id: int
    thread_id: int | None = None

    @property
    def scope(self) -> str:
        """The chat's part of a storage key: `<chat_id>`, or `<chat_id>:<thread_id>`."""
        if self.thread_id is None:
            return str(self.chat_id)
        return f"{self.chat_id}:{self.thread_id}"

    @classmethod
    def from_scope(cls, bot_id: int, scope: str) -> ChatKey:
        chat, _, thread = scope.partition(":")
        return cls(bot_id, int(chat), int(thread) if thread else None)
