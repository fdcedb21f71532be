"""The Groq adapter through the official SDK over httpx's MockTransport: Groq's JSON and SSE
bodies (in the shapes tests/support/fake_groq.py serves, Groq as of late 2026) answered in
process, so the SDK's parsing and error mapping run for real with no server and no socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest
from groq import AsyncGroq, DefaultAsyncHttpxClient

from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.catalog import ConfiguredModels, ModelCatalog
from bot.llm.groq import GroqChatModel, ResponseHeaders
from bot.llm.port import Delta, ModelRequest, Usage
from bot.scheduling.budget import read_limits
from bot.storage.memory.retired import MemoryRetiredModels
from tests.support.fake_groq import CREATED, MODELS, model_entry

API_KEY = "test-groq-key"
MODEL = "openai/gpt-oss-20b"
QWEN = "qwen/qwen3.6-27b"
PROMPT = [ChatMessage.system("s"), ChatMessage.user("hi")]
OPTIONS = ("include_reasoning", "reasoning_format", "reasoning_effort", "tools")


def error(
    status: int, message: str, kind: str, code: str | None, **headers: str
) -> httpx.Response:
    """Groq's error body: `{"error": {"message", "type", "code"}}`."""
    body = {"error": {"message": message, "type": kind, "code": code}}
    return httpx.Response(status, json=body, headers=headers)


def completion(model: str, message: dict[str, Any], usage: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": usage,
        },
    )


def sse(model: str, deltas: list[dict[str, Any]], usage: dict[str, Any]) -> httpx.Response:
    """A stream as Groq sends it: role first, then the pieces, and the usage in `x_groq` of
    the last chunk, before `[DONE]`."""

    def event(delta: dict[str, Any], finish: str | None = None, **more: Any) -> str:
        chunk = {
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **more,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    events = [event({"role": "assistant", "content": ""}), *map(event, deltas)]
    events.append(event({}, "stop", x_groq={"id": "req_2", "usage": usage}))
    body = "".join(events) + "data: [DONE]\n\n"
    return httpx.Response(
        200, content=body.encode(), headers={"content-type": "text/event-stream"}
    )


def usage(prompt: int, completion: int, reasoning: int = 0) -> dict[str, Any]:
    counted: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if reasoning:
        counted["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return counted


class GroqApi:
    """The MockTransport's handler: GET /models lists the fake's lineup; each completion
    request is recorded and answered with the next scripted response."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[httpx.Response] = []
        self.model_lists = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        if request.method == "GET" and request.url.path == "/openai/v1/models":
            self.model_lists += 1
            return httpx.Response(
                200, json={"object": "list", "data": list(map(model_entry, MODELS))}
            )
        assert (request.method, request.url.path) == ("POST", "/openai/v1/chat/completions")
        self.bodies.append(json.loads(request.content))
        if self.answers:
            return self.answers.pop(0)
        return completion(
            self.bodies[-1]["model"], {"role": "assistant", "content": "ok"}, usage(2, 1)
        )


def client(api: GroqApi, hooks: list[ResponseHeaders] | None = None) -> AsyncGroq:
    http = DefaultAsyncHttpxClient(
        transport=httpx.MockTransport(api), event_hooks={"response": list(hooks or [])}
    )
    return AsyncGroq(api_key=API_KEY, max_retries=0, http_client=http)


@pytest.fixture
def api() -> GroqApi:
    return GroqApi()


@pytest.fixture
def headers() -> ResponseHeaders:
    return ResponseHeaders()


@pytest.fixture
async def model(api: GroqApi, headers: ResponseHeaders) -> AsyncIterator[GroqChatModel]:
    """The adapter as the composition root builds it, its catalog read from GET /models."""
    configured = ConfiguredModels(MODEL, QWEN, "whisper-large-v3-turbo")
    catalog = ModelCatalog(client(api), configured, MemoryRetiredModels())
    await catalog.refresh()
    assert api.model_lists == 1 and catalog.is_live(MODEL)
    adapter = GroqChatModel(client(api, [headers]), MODEL, catalog, headers)
    yield adapter
    await adapter.aclose()
    await catalog.aclose()


async def test_a_completion_keeps_reasoning_apart_and_reports_usage(
    model: GroqChatModel, api: GroqApi
) -> None:
    """gpt-oss's `reasoning` field is the thinking, never the answer's text."""
    message = {"role": "assistant", "content": "Hello!", "reasoning": "step one, step two"}
    api.answers.append(completion(MODEL, message, usage(8, 6, reasoning=4)))
    reply = await model.complete(ModelRequest(PROMPT, ChatSettings(reasoning=True)))
    assert (reply.text, reply.reasoning, reply.usage) == (
        "Hello!",
        "step one, step two",
        Usage(8, 6),
    )
    assert api.bodies[0]["messages"] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "hi"},
    ]


async def test_raw_thinking_in_the_content_is_taken_out(
    model: GroqChatModel, api: GroqApi
) -> None:
    """Qwen's default format thinks in the content; the answer must not show it."""
    message = {"role": "assistant", "content": "<think>hmm</think>Paris."}
    api.answers.append(completion(QWEN, message, usage(8, 5)))
    reply = await model.complete(ModelRequest(PROMPT, ChatSettings(model=QWEN)))
    assert (reply.text, reply.reasoning) == ("Paris.", "hmm")


async def test_a_stream_gives_reasoning_then_text_then_usage(
    model: GroqChatModel, api: GroqApi
) -> None:
    """Groq's order, kept: the thinking first, the content, and the usage of `x_groq` last."""
    pieces = [{"reasoning": "step one, "}, {"reasoning": "step two"}]
    pieces += [{"content": "Hel"}, {"content": "lo!"}]
    api.answers.append(sse(MODEL, pieces, usage(8, 9, reasoning=4)))
    deltas = [
        delta async for delta in model.stream(ModelRequest(PROMPT, ChatSettings(reasoning=True)))
    ]
    assert deltas == [
        Delta(reasoning="step one, "),
        Delta(reasoning="step two"),
        Delta("Hel"),
        Delta("lo!"),
        Delta(usage=Usage(8, 9)),
    ]
    assert api.bodies[0]["stream"] is True


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_decommissioned_model_is_retired_by_name(
    model: GroqChatModel, api: GroqApi, streamed: bool
) -> None:
    """Groq's 400 `model_decommissioned` names the model, so it can be retired."""
    gone = "qwen/qwen3-32b"  # retired by Groq in 2026
    message = f"The model `{gone}` has been decommissioned and is no longer supported."
    api.answers.append(error(400, message, "invalid_request_error", "model_decommissioned"))
    request = ModelRequest(PROMPT, ChatSettings(model=gone))
    with pytest.raises(ModelError) as caught:
        if streamed:
            _ = [delta async for delta in model.stream(request)]
        else:
            await model.complete(request)
    assert caught.value.kind is ModelErrorKind.MODEL_RETIRED
    assert caught.value.model == gone
    assert "model_decommissioned" in caught.value.detail


async def test_a_429_is_rate_limited_and_its_retry_after_reaches_the_scheduler(
    model: GroqChatModel, api: GroqApi
) -> None:
    """The response hook hands every response's headers, the 429's included, to the
    scheduler's side (bot/scheduling/limit_watch.py) before the SDK raises."""
    seen: list[tuple[str, Mapping[str, str], int]] = []
    model.watch_limits(lambda *call: seen.append(call))
    api.answers.append(
        error(
            429,
            "Rate limit reached, please try again later",
            "rate_limit_exceeded",
            "rate_limit_exceeded",
            **{"retry-after": "7", "x-ratelimit-remaining-requests": "0"},
        )
    )
    with pytest.raises(ModelError) as caught:
        await model.complete(ModelRequest(PROMPT))
    assert caught.value.kind is ModelErrorKind.RATE_LIMITED
    assert API_KEY not in str(caught.value)
    [(called, response_headers, status)] = seen
    reading = read_limits(response_headers)
    assert (called, status) == (MODEL, 429)
    assert (reading.retry_after, reading.remaining_requests) == (7.0, 0)


@pytest.mark.parametrize(
    ("request_", "sent"),
    [
        (ModelRequest(PROMPT, ChatSettings(reasoning=True)), {"include_reasoning": True}),
        (
            ModelRequest(PROMPT, ChatSettings(search=True)),
            {
                "include_reasoning": False,
                "tools": [{"type": "browser_search"}],
                "reasoning_effort": "low",
            },
        ),
        (
            ModelRequest(PROMPT, ChatSettings(effort="high")),
            {"include_reasoning": False, "reasoning_effort": "high"},
        ),
        (
            ModelRequest(PROMPT, ChatSettings(model=QWEN, reasoning=True)),
            {"reasoning_format": "parsed"},
        ),
        (
            ModelRequest(PROMPT, ChatSettings(model=QWEN, search=True, effort="high")),
            {"reasoning_format": "hidden"},
        ),
        (
            ModelRequest(
                PROMPT, ChatSettings(model="moonshotai/kimi-k3", reasoning=True, search=True)
            ),
            {},
        ),
    ],
    ids=[
        "gpt-oss-reasoning",
        "gpt-oss-search",
        "gpt-oss-effort",
        "qwen-parsed",
        "qwen-no-tools",
        "plain",
    ],
)
async def test_the_request_carries_what_the_models_family_takes(
    model: GroqChatModel, api: GroqApi, request_: ModelRequest, sent: dict[str, Any]
) -> None:
    """Groq refuses an option a family does not take (fake_groq_models' `check_params`): each
    family gets its own, and a plain model none."""
    await model.complete(request_)
    body = api.bodies[0]
    assert {name: body[name] for name in OPTIONS if name in body} == sent
    reasoning_model = "kimi" not in body["model"]
    assert body["max_completion_tokens"] == (4096 + 8192 if reasoning_model else 4096)
