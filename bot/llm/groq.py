"""The ChatModel adapter for Groq, through the official SDK and its own retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

import groq
import httpx
from groq import AsyncGroq

from bot.dialog.messages import ChatMessage
from bot.llm.errors import ModelError, ModelErrorKind
from bot.llm.port import ChatModel, Delta, HeadersSeen, ModelRequest, Reply, Usage

if TYPE_CHECKING:
    from groq.types.chat import ChatCompletionMessageParam

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
        _CALLING.set(request.model or self._model)  # for the response hook, in this task
        try:
            completion = await self._client.chat.completions.create(
                model=request.model or self._model, messages=_payload(request.messages)
            )
        except groq.GroqError as error:
            raise map_error(error) from error
        usage = completion.usage
        counted = Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage()
        if not completion.choices:
            return Reply("", usage=counted)
        message = completion.choices[0].message
        return Reply(message.content or "", message.reasoning or "", counted)

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        _CALLING.set(request.model or self._model)
        try:
            chunks = await self._client.chat.completions.create(
                model=request.model or self._model,
                messages=_payload(request.messages),
                stream=True,
            )
            try:
                async for chunk in chunks:
                    if chunk.choices:
                        delta = chunk.choices[0].delta
                        if delta.content or delta.reasoning:
                            yield Delta(delta.content or "", delta.reasoning or "")
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

    async def aclose(self) -> None:
        await self._client.close()


def _payload(messages: Sequence[ChatMessage]) -> list[ChatCompletionMessageParam]:
    return [
        {"role": m.role.value, "content": m.content}  # type: ignore[misc]
        for m in messages
    ]
