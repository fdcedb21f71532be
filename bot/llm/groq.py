"""The ChatModel adapter for Groq, through the official SDK and its own retries."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import groq
import httpx
from groq import AsyncGroq

from bot.dialog.messages import ChatMessage
from bot.llm.errors import ModelError, ModelErrorKind
from bot.llm.models import SEARCH_MODEL, is_reasoning_model
from bot.llm.port import ChatModel, Delta, HeadersSeen, ModelRequest, Reply, Source, Usage

if TYPE_CHECKING:
    from groq.types.chat import ChatCompletionMessageParam
    from groq.types.chat.chat_completion_message import ExecutedTool

_THINK = re.compile(r"<think>.*?(?:</think>|$)\s*", re.DOTALL)

_CALLING: ContextVar[str] = ContextVar("groq_model", default="")  # the model being called
_CONTEXT_MARKERS = ("context_length_exceeded", "reduce the length", "context length")


def map_error(error: groq.GroqError) -> ModelError:
    """Translate the SDK's typed errors into the bot's own small set."""
    match error:
        case groq.APITimeoutError():
            kind = ModelErrorKind.TIMEOUT
        case groq.APIConnectionError():
            kind = ModelErrorKind.UNAVAILABLE
        case groq.RateLimitError():
            kind = ModelErrorKind.RATE_LIMITED
        case groq.AuthenticationError() | groq.PermissionDeniedError():
            kind = ModelErrorKind.BAD_CREDENTIALS
        case groq.APIStatusError() if error.status_code >= 500:
            kind = ModelErrorKind.UNAVAILABLE
        case groq.APIStatusError() if _says_context_too_long(error):
            kind = ModelErrorKind.CONTEXT_TOO_LONG
        case _:
            kind = ModelErrorKind.REJECTED
    status = getattr(error, "status_code", None)
    detail = f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
    return ModelError(kind, detail)


def _says_context_too_long(error: groq.APIStatusError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return error.status_code in (400, 413) and any(m in text for m in _CONTEXT_MARKERS)


class ResponseHeaders:
    """An httpx response hook for the SDK's client: every response's headers, the 429s the
    SDK retries by itself included (the SDK's `with_raw_response` shows only the last)."""

    def __init__(self) -> None:
        self.seen: HeadersSeen = lambda *_: None

    async def __call__(self, response: httpx.Response) -> None:
        self.seen(_CALLING.get(), response.headers, response.status_code)


class GroqChatModel(ChatModel):
    """Timeouts and retries (429 with retry-after, 5xx, network) are the SDK's own."""

    def __init__(
        self, client: AsyncGroq, model: str, headers: ResponseHeaders | None = None
    ) -> None:
        self._client = client
        self._model = model
        self._headers = headers

    def watch_limits(self, seen: HeadersSeen) -> None:
        if self._headers is not None:
            self._headers.seen = seen

    async def complete(self, request: ModelRequest) -> Reply:
        options = self._options(request)
        _CALLING.set(options["model"])  # for the response hook, in this task
        try:
            completion = await self._client.chat.completions.create(
                messages=_payload(request.messages, request.images), **options
            )
        except groq.GroqError as error:
            raise map_error(error) from error
        usage = completion.usage
        counted = Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage()
        if not completion.choices:
            return Reply("", usage=counted)
        message = completion.choices[0].message
        text = _THINK.sub("", message.content or "")  # a model's raw thinking is never the answer
        return Reply(text, message.reasoning or "", counted, _sources(message.executed_tools))

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        options = self._options(request)
        _CALLING.set(options["model"])
        try:
            chunks = await self._client.chat.completions.create(
                messages=_payload(request.messages, request.images), stream=True, **options
            )
            try:
                async for chunk in chunks:
                    if chunk.choices:
                        delta = chunk.choices[0].delta
                        sources = _sources(delta.executed_tools)
                        if delta.content or delta.reasoning or sources:
                            yield Delta(delta.content or "", delta.reasoning or "", None, sources)
                    usage = chunk.x_groq.usage if chunk.x_groq else None
                    if usage is not None:  # Groq reports a stream's usage with its last chunk
                        yield Delta(usage=Usage(usage.prompt_tokens, usage.completion_tokens))
            finally:
                await chunks.close()  # a stopped answer stops the generation too
        except groq.GroqError as error:
            raise map_error(error) from error
        # Once the answer streams, the SDK is out of the way: its transport's errors come raw.
        except httpx.TimeoutException as error:
            raise ModelError(
                ModelErrorKind.TIMEOUT, f"{type(error).__name__} mid-stream"
            ) from error
        except httpx.TransportError as error:
            kind = ModelErrorKind.UNAVAILABLE
            raise ModelError(kind, f"{type(error).__name__} mid-stream") from error

    def _options(self, request: ModelRequest) -> dict[str, Any]:
        """The model the chat chose (the searching one when search is on) and its options."""
        model = SEARCH_MODEL if request.search else request.model or self._model
        options: dict[str, Any] = {"model": model}
        if is_reasoning_model(model):  # parsed or hidden: never `<think>` inside the answer
            options["reasoning_format"] = "parsed" if request.reasoning else "hidden"
        return options

    async def aclose(self) -> None:
        await self._client.close()


def _sources(tools: list[ExecutedTool] | None) -> tuple[Source, ...]:
    """The pages a compound model's web searches returned, in its order."""
    found = []
    for tool in tools or []:
        results = tool.search_results.results if tool.search_results else None
        found += [Source(r.title or "", r.url) for r in results or [] if r.url]
    return tuple(found)


def _payload(
    messages: Sequence[ChatMessage], images: Mapping[str, str]
) -> list[ChatCompletionMessageParam]:
    return [
        {"role": m.role.value, "content": _content(m, images)}  # type: ignore[misc]
        for m in messages
    ]


def _content(message: ChatMessage, images: Mapping[str, str]) -> str | list[dict[str, object]]:
    """Plain text, or the text and its images as parts, the form vision models read."""
    if not message.images:
        return message.content
    parts: list[dict[str, object]] = [{"type": "text", "text": message.content}]
    for file_id in message.images:
        parts.append({"type": "image_url", "image_url": {"url": images[file_id]}})
    return parts
