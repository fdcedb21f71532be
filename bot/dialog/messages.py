"""The message types a dialog is made of, independent of any model SDK."""

from __future__ import annotations

from dataclasses import dataclass
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
    speaker: str = ""  # who wrote a user message: groups tell the model, /export tells all
    at: float = 0.0  # when it was written (Unix time); 0 for messages stored before v2

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls(Role.SYSTEM, content)

    @classmethod
    def user(cls, content: str, *, speaker: str = "", at: float = 0.0) -> ChatMessage:
        return cls(Role.USER, content, speaker, at)

    @classmethod
    def assistant(cls, content: str, *, at: float = 0.0) -> ChatMessage:
        return cls(Role.ASSISTANT, content, "", at)
