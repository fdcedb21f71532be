"""The ChatModel port: what a conversation needs from a language model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.messages import ChatMessage


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One call: the prompt, and what the chat chose for it."""

    messages: Sequence[ChatMessage]
    # The chat's settings as its turn read them; each consumer reads its own field (the model,
    # reasoning shown, its effort, web search). `settings.model` "": the adapter's default
    # (GROQ_MODEL); the decorators route the call by setting it (`on`).
    settings: ChatSettings = ChatSettings()
    chat: ChatKey | None = None  # whose turn: for fair shares of a limited budget
    # The image of each file id the messages show, as a data: URL (bot/media/request_images.py).
    images: Mapping[str, str] = field(default_factory=dict)
    max_tokens: int = 0  # the call's completion tokens at most; 0: an answer's room

    def on(self, model: str) -> ModelRequest:
        """The same call on another model (a stand-in, the fallback); the chat's other
        choices go with it."""
        return replace(self, settings=replace(self.settings, model=model))


@dataclass(frozen=True, slots=True)
class Source:
    """A web page a searching model read for its answer."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens the service counted for one call, when it reports them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of a streamed answer; `usage` comes once, with or after the last piece."""

    text: str = ""
    reasoning: str = ""  # a reasoning model's thinking, never part of the answer
    usage: Usage | None = None
    sources: tuple[Source, ...] = ()
    served_by: str = ""  # set (once, last) when another model answered than the one asked
    retired: str = ""  # with served_by: the model Groq retired during this call


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    reasoning: str = ""
    usage: Usage = field(default_factory=Usage)
    sources: tuple[Source, ...] = ()
    served_by: str = ""  # another model than the one asked, when it answered instead
    retired: str = ""  # with served_by: the model Groq retired during this call


# (model, response headers, HTTP status): a response's rate-limit figures, 429s included.
HeadersSeen = Callable[[str, Mapping[str, str], int], None]


class ChatModel(ABC):
    """A chat-completion model; adapters raise only `ModelError`, never their SDK's errors."""

    def watch_limits(self, seen: HeadersSeen) -> None:
        """Report every response's headers to `seen` (bot/scheduling); a no-op where a model
        has no rate-limit headers to show."""
        del seen

    @abstractmethod
    async def complete(self, request: ModelRequest) -> Reply:
        """The assistant's whole answer."""

    @abstractmethod
    def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        """The answer as it is generated, piece by piece; closing it early stops the call."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; called once on shutdown."""
