"""The message types a dialog is made of, independent of any model SDK."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a dialog; frozen so that stores and trimming can share them safely."""

    role: Role
    content: str
    # The images the user showed with it, as Telegram file ids: the history keeps references,
    # never bytes; a request fetches what it may carry (bot/media/request_images.py).
    images: tuple[str, ...] = ()
    # Metadata, not what was said: two messages with the same role and content are equal.
    speaker: str = field(default="", compare=False)  # who wrote a user message (groups, /export)
    at: float = field(default=0.0, compare=False)  # when (Unix time); 0: stored before v2

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls(Role.SYSTEM, content)

    @classmethod
    def user(
        cls, content: str, images: tuple[str, ...] = (), *, speaker: str = "", at: float = 0.0
    ) -> ChatMessage:
        return cls(Role.USER, content, images, speaker=speaker, at=at)

    @classmethod
    def assistant(cls, content: str, *, at: float = 0.0) -> ChatMessage:
        return cls(Role.ASSISTANT, content, at=at)
