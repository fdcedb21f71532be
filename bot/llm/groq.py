"""The ChatModel adapter for Groq, through the official SDK and its own retries: what a
model is sent, and what of its content is the answer.

Some models think aloud inside the content (`<think>…</think>`, qwen's raw format, and any
model that ignores the options it was sent), and gpt-oss's browser search marks its
citations in the text (`【2†L6-L10】`). Neither may reach the chat, not even in a draft, so
the content is split as it streams (`ContentSplitter`, below), and a tag or marker cut between
two chunks is held back until it is whole.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import groq
import httpx
from groq import AsyncGroq

from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.catalog import ModelCatalog
from bot.llm.families import Reasoning, Tool, family_of
from bot.llm.groq_errors import map_error
from bot.llm.port import ChatModel, Delta, HeadersSeen, ModelRequest, Reply, Source, Usage

if TYPE_CHECKING:
    from groq.types.chat import ChatCompletionMessageParam
    from groq.types.chat.chat_completion_message import ExecutedTool

_CALLING: ContextVar[str] = ContextVar("groq_model", default="")  # the model being called


class ResponseHeaders:
    """An httpx response hook for the SDK's client: every response's headers, the 429s the
    SDK retries by itself included (the SDK's `with_raw_response` shows only the last)."""

    def __init__(self) -> None:
        self.seen: HeadersSeen = lambda *_: None

    async def __call__(self, response: httpx.Response) -> None:
        self.seen(_CALLING.get(), response.headers, response.status_code)


class GroqChatModel(ChatModel):
    """Timeouts and retries (429 with retry-after, 5xx, network) are the SDK's own; what a
    model is sent besides the prompt is what the catalog says its family takes."""

    def __init__(
        self,
        client: AsyncGroq,
        model: str,
        catalog: ModelCatalog,
        headers: ResponseHeaders | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._catalog = catalog
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
            raise map_error(error, options["model"]) from error
        usage = completion.usage
        counted = Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage()
        if not completion.choices:
            return Reply("", usage=counted)
        message = completion.choices[0].message
        text, thinking = split_content(message.content or "")  # raw thinking is never the answer
        reasoning = (message.reasoning or "") + thinking
        return Reply(text, reasoning, counted, _sources(message.executed_tools))

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        options = self._options(request)
        _CALLING.set(options["model"])
        splitter = ContentSplitter()  # no thinking and no citation mark in any draft
        try:
            chunks = await self._client.chat.completions.create(
                messages=_payload(request.messages, request.images), stream=True, **options
            )
            try:
                async for chunk in chunks:
                    if chunk.choices:
                        delta = chunk.choices[0].delta
                        text, thinking = splitter.feed(delta.content or "")
                        reasoning = (delta.reasoning or "") + thinking
                        sources = _sources(delta.executed_tools)
                        if text or reasoning or sources:
                            yield Delta(text, reasoning, None, sources)
                    usage = chunk.x_groq.usage if chunk.x_groq else None
                    if usage is not None:  # Groq reports a stream's usage with its last chunk
                        yield Delta(usage=Usage(usage.prompt_tokens, usage.completion_tokens))
                text, thinking = splitter.flush()
                if text or thinking:
                    yield Delta(text, thinking)
            finally:
                await chunks.close()  # a stopped answer stops the generation too
        except groq.GroqError as error:
            raise map_error(error, options["model"]) from error
        # Once the answer streams, the SDK is out of the way: its transport's errors come raw.
        except httpx.TimeoutException as error:
            raise ModelError(
                ModelErrorKind.TIMEOUT, f"{type(error).__name__} mid-stream"
            ) from error
        except httpx.TransportError as error:
            kind = ModelErrorKind.UNAVAILABLE
            raise ModelError(kind, f"{type(error).__name__} mid-stream") from error

    def _options(self, request: ModelRequest) -> dict[str, Any]:
        """The model and what its family takes: its reasoning kept apart (shown or not),
        the chat's reasoning effort, browser search, and room for the answer."""
        chosen = request.settings
        model = chosen.model or self._model
        family = family_of(model)
        options: dict[str, Any] = {
            "model": model,
            "max_completion_tokens": min(
                self._catalog.completion_tokens(model), request.max_tokens or sys.maxsize
            ),
        }
        if family.reasoning is Reasoning.INCLUDE:
            options["include_reasoning"] = chosen.reasoning
        elif family.reasoning is Reasoning.FORMAT:
            options["reasoning_format"] = "parsed" if chosen.reasoning else "hidden"
        effort = chosen.effort
        if chosen.search and Tool.BROWSER_SEARCH in family.tools:
            options["tools"] = [{"type": Tool.BROWSER_SEARCH.value}]
            effort = effort or "low"  # Groq's advice: higher efforts browse far longer
        if effort in family.efforts:
            options["reasoning_effort"] = effort
        return options

    async def aclose(self) -> None:
        await self._client.close()


def _sources(tools: list[ExecutedTool] | None) -> tuple[Source, ...]:
    """The pages a model's web or browser searches returned, in its order."""
    found: list[Source] = []
    for tool in tools or []:
        results = tool.search_results.results if tool.search_results else None
        found += [Source(r.title or "", r.url) for r in results or [] if r.url]
        found += [Source(r.title or "", r.url) for r in tool.browser_results or [] if r.url]
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


# --- the content: the answer, and any thinking or citation marker inside it -----------

_OPEN, _CLOSE, _MARK = "<think>", "</think>", "【"
_MARKER = re.compile(r"【\d{1,4}†[^】\n<]{0,30}】")  # at most 37 characters
_MARKER_START = re.compile(r"【\d{0,4}(?:†[^】\n<]{0,30})?")  # what may still become one


def _held(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ContentSplitter:
    """Feed each content piece; get back the answer's and the thinking's new text."""

    def __init__(self) -> None:
        self._pending = ""
        self._thinking = False

    def feed(self, text: str) -> tuple[str, str]:
        data, self._pending = self._pending + text, ""
        answer: list[str] = []
        thinking: list[str] = []
        at = 0
        while at < len(data):
            if self._thinking:
                end = data.find(_CLOSE, at)
                if end < 0:
                    keep = len(data) - _held(data[at:], _CLOSE)
                    thinking.append(data[at:keep])
                    self._pending = data[keep:]
                    break
                thinking.append(data[at:end])
                at, self._thinking = end + len(_CLOSE), False
                continue
            at = self._answer_part(data, at, answer)
            if at < 0:
                break
        return "".join(answer), "".join(thinking)

    def _answer_part(self, data: str, at: int, answer: list[str]) -> int:
        """Take answer text from `at` up to the next tag or marker; -1 when held back. A
        closing tag alone (a template that opened the thinking in the prompt) is dropped."""
        found = [p for p in (data.find(t, at) for t in (_OPEN, _CLOSE, _MARK)) if p >= 0]
        if not found:
            keep = len(data) - max(_held(data[at:], _OPEN), _held(data[at:], _CLOSE))
            answer.append(data[at:keep])
            self._pending = data[keep:]
            return -1
        nearest = min(found)
        answer.append(data[at:nearest])
        if data.startswith(_OPEN, nearest):
            self._thinking = True
            return nearest + len(_OPEN)
        if data.startswith(_CLOSE, nearest):
            return nearest + len(_CLOSE)
        whole = _MARKER.match(data, nearest)
        if whole is not None:
            return whole.end()
        start = _MARKER_START.match(data, nearest)
        if start is not None and start.end() == len(data):
            self._pending = data[nearest:]  # perhaps a marker, still arriving
            return -1
        answer.append(_MARK)  # a bracket of the text itself
        return nearest + 1

    def flush(self) -> tuple[str, str]:
        """What was held back, once the content has ended."""
        rest, self._pending = self._pending, ""
        return ("", rest) if self._thinking else (rest, "")


def split_content(text: str) -> tuple[str, str]:
    """A whole content's answer and thinking."""
    splitter = ContentSplitter()
    answer, thinking = splitter.feed(text)
    more_answer, more_thinking = splitter.flush()
    return answer + more_answer, thinking + more_thinking
