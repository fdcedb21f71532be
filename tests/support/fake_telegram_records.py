"""What the fake Telegram records of the bot's calls, for tests to read: its messages, edits,
drafts and documents, and every change a user could see, in order."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_topics import thread_of


@dataclass
class SentMessage:
    chat_id: int
    text: str
    message_id: int
    reply_to_message_id: int | None = None
    reply_markup: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def thread_id(self) -> int | None:
        """The forum topic (private chat or supergroup) it was sent into, if any."""
        return thread_of(self.params) or None


@dataclass
class Document:
    chat_id: int
    filename: str
    content: str
    caption: str
    params: dict[str, Any]


@dataclass
class Draft:
    chat_id: int
    draft_id: int
    text: str
    entities: list[dict[str, Any]] | None
    can_stop: bool
    at: float
    thread_id: int | None = None  # the forum topic it is shown in


@dataclass
class Edit:
    chat_id: int
    message_id: int
    text: str
    entities: list[dict[str, Any]] | None
    at: float


@dataclass
class Event:
    """One change the user could see, in the order the server made it: `sendMessage`,
    `editMessageText`, `deleteMessage` or `sendMessageDraft` (no message id); and the service
    messages `createForumTopic` and `editForumTopic` (message id: the topic's thread id,
    text: its name)."""

    method: str
    chat_id: int
    message_id: int | None
    text: str
