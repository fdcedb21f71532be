"""The ChatModel port: what a conversation needs from a language model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence

from bot.dialog.messages import ChatMessage


class ChatModel(ABC):
    """A chat-completion model; adapters raise only `ModelError`, never their SDK's errors."""

    @abstractmethod
    async def complete(self, messages: Sequence[ChatMessage]) -> str:
        """The assistant's whole answer to `messages`."""

    @abstractmethod
    def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """The answer as it is generated, piece by piece; closing it early stops the call."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; called once on shutdown."""
