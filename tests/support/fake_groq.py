"""A fake Groq (OpenAI-compatible) server on 127.0.0.1, with latency and scripted faults."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tests.support.local_server import LocalServer

FaultKind = Literal[
    "timeout",
    "rate_limit",
    "server_error",
    "unavailable",
    "context_too_long",
    "auth",
    "bad_request",
]
Messages = list[dict[str, Any]]
# What Groq accepts for /audio/transcriptions: it checks the file name's extension.
AUDIO_EXTENSIONS = {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"}
VISION_MODELS = {
    "meta-llama/llama-4-scout-17b-16e-instruct",
    "meta-llama/llama-4-maverick-17b-128e-instruct",
}
MAX_IMAGES = 5
MAX_BASE64_IMAGE = 4 * 1024 * 1024
DATA_URL_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("jpeg", "png", "webp", "gif"))


def text_of(content: Any) -> str:
    """A message's text: the string itself, or its text parts joined (image parts counted)."""
    if isinstance(content, str):
        return content
    texts = [p.get("text", "") for p in content if p.get("type") == "text"]
    images = sum(1 for p in content if p.get("type") == "image_url")
    return " ".join(texts) + (f" [{images} image(s)]" if images else "")


def images_of(messages: Messages) -> list[str]:
    """Every image URL of the request, oldest first."""
    return [
        part["image_url"]["url"]
        for m in messages
        if isinstance(m.get("content"), list)
        for part in m["content"]
        if part.get("type") == "image_url"
    ]


# What GET /openai/v1/models lists: chat models, and the speech and safety ones to filter out.
MODELS = [
    "llama-3.3-70b-versatile",
    "llama-3.1-8b-instant",
    "openai/gpt-oss-20b",
    "qwen/qwen3-32b",
    "groq/compound-mini",
    "whisper-large-v3",
    "playai-tts",
    "meta-llama/llama-guard-4-12b",
]
REASONING = ("openai/gpt-oss-", "qwen/qwen3-")


def echo_last_user(messages: Messages) -> str:
    users = [text_of(m["content"]) for m in messages if m.get("role") == "user"]
    return f"reply to: {users[-1] if users else ''}"


@dataclass
class Transcription:
    file_name: str
    model: str
    language: str | None
    audio: bytes


@dataclass
class _Scripted:
    kind: FaultKind
    count: int
    retry_after: float


@dataclass
class _Limits:
    """Groq's per-organisation limits, as fixed windows: requests and tokens per window."""

    requests: int
    tokens: int
    window: float
    started: float = 0.0
    used_requests: int = 0
    used_tokens: int = 0

    def charge(self, tokens: int, now: float) -> tuple[bool, dict[str, str]]:
        """(allowed, the rate-limit headers Groq sends with the answer)."""
        if now >= self.started + self.window:
            self.started, self.used_requests, self.used_tokens = now, 0, 0
        allowed = (
            self.used_requests + 1 <= self.requests and self.used_tokens + tokens <= self.tokens
        )
        if allowed:
            self.used_requests += 1
            self.used_tokens += tokens
        reset = f"{max(self.started + self.window - now, 0.0):.3f}s"
        headers = {
            "x-ratelimit-limit-requests": str(self.requests),
            "x-ratelimit-limit-tokens": str(self.tokens),
            "x-ratelimit-remaining-requests": str(self.requests - self.used_requests),
            "x-ratelimit-remaining-tokens": str(max(self.tokens - self.used_tokens, 0)),
            "x-ratelimit-reset-requests": reset,
            "x-ratelimit-reset-tokens": reset,
        }
        if not allowed:
            headers["retry-after"] = f"{max(self.started + self.window - now, 0.001):.3f}"
        return allowed, headers


class FakeGroq(LocalServer):
    """Answers `/openai/v1/chat/completions` like Groq does, and records every request."""

    def __init__(self, api_key: str = "test-groq-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[Messages], str] = echo_last_user
        self.latency: float | Callable[[], float] = 0.0
        self.chunk_delay = 0.0  # seconds between streamed chunks
        self.chunks = 4  # how many pieces a streamed answer comes in
        self.streams_cut = 0  # streams the client closed before the end
        self._scripted: list[_Scripted] = []
        self._conditional: list[tuple[Callable[[Messages], bool], FaultKind]] = []
        self._ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._open = asyncio.Event()
        self._open.set()
        self.held = 0  # requests waiting behind `hold()` right now
        self.transcriptions: list[Transcription] = []
        self.transcriber: Callable[[bytes], str] = lambda audio: audio.decode(errors="ignore")
        self.transcription_faults: list[FaultKind] = []
        self.models = list(MODELS)
        self.model_lists = 0  # GET /models served
        # a reasoning model's thinking: parsed into `reasoning`, hidden, or raw in <think>
        self.thinking: Callable[[Messages], str] = lambda messages: "step one, step two"
        # what a compound model's web search found: {"title", "url"} each
        self.search_results: list[dict[str, str]] = []
        self._limits: _Limits | None = None  # off unless a test calls `limit`
        self._limited_model: str | None = None
        self.rate_limited = 0  # 429s sent because a limit was reached
        self.served = 0  # answers sent while limits were enforced
        self.tokens_served = 0  # their tokens, as the limit counted them

    def limit(
        self, *, requests: int, tokens: int, window: float, model: str | None = None
    ) -> None:
        """Enforce a request and a token limit per `window` seconds, with Groq's headers;
        for one `model` only when given (Groq's limits are per model)."""
        self._limits = _Limits(requests, tokens, window, time.monotonic())
        self._limited_model = model

    @property
    def base_url(self) -> str:
        return self.address

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/openai/v1/chat/completions", self._completions)
        app.router.add_post("/openai/v1/audio/transcriptions", self._transcriptions)
        app.router.add_get("/openai/v1/models", self._models)

    async def _models(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        self.model_lists += 1
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "x", "active": True}
            for m in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    def _extras(self, body: dict[str, Any], content: str) -> tuple[str, dict[str, Any]]:
        """The content and the message fields a reasoning or compound model adds."""
        model = str(body.get("model", ""))
        extra: dict[str, Any] = {}
        if model.startswith(REASONING):
            thinking = self.thinking(body.get("messages", []))
            match body.get("reasoning_format"):
                case "parsed":
                    extra["reasoning"] = thinking
                case "hidden":
                    pass
                case _:  # raw, the default: the thinking inside the content
                    content = f"<think>{thinking}</think>{content}"
        if model.startswith("groq/compound"):
            results = [{**r, "content": "", "score": 1.0} for r in self.search_results]
            extra["executed_tools"] = [
                {
                    "index": 0,
                    "type": "search",
                    "arguments": "{}",
                    "search_results": {"results": results},
                }
            ]
        return content, extra

    async def _on_close(self) -> None:
        self._open.set()
        await self._notify()

    def hold(self) -> None:
        """Keep every request from now on waiting (a model that has not answered yet)."""
        self._open.clear()

    def let_go(self) -> None:
        self._open.set()

    def fail_next(self, kind: FaultKind, count: int = 1, *, retry_after: float = 0.1) -> None:
        self._scripted.append(_Scripted(kind, count, retry_after))

    def clear_faults(self) -> None:
        self._scripted.clear()
        self._conditional.clear()

    def fail_when(self, predicate: Callable[[Messages], bool], kind: FaultKind) -> None:
        self._conditional.append((predicate, kind))

    async def wait_for_requests(self, n: int, timeout: float = 10) -> None:
        await self._wait_for(lambda: len(self.requests) >= n, timeout, f"{n} model requests")

    async def wait_for_held(self, n: int, timeout: float = 10) -> None:
        await self._wait_for(lambda: self.held >= n, timeout, f"{n} requests held")

    async def _wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        async def arrived() -> None:
            async with self._arrived:
                await self._arrived.wait_for(predicate)

        try:
            await asyncio.wait_for(arrived(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"expected {what} within {timeout}s; {len(self.requests)} came, {self.held} held"
            ) from None

    async def _notify(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        await self._notify()
        if not self._open.is_set():
            self.held += 1
            await self._notify()
            try:
                await self._open.wait()
            finally:
                self.held -= 1
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        messages: Messages = body.get("messages", [])
        refused = _check_images(body)
        if refused is not None:
            return refused
        fault = self._fault_for(messages)
        if fault is not None:
            return await self._fail(*fault)
        content = self.responder(messages)
        headers: dict[str, str] = {}
        if self._limits is not None and self._limited_model in (None, body.get("model")):
            cost = _usage(body, content)["total_tokens"]
            allowed, headers = self._limits.charge(cost, time.monotonic())
            if not allowed:
                self.rate_limited += 1
                response = await self._fail("rate_limit", float(headers["retry-after"]))
                response.headers.update(headers)
                return response
            self.served += 1
            self.tokens_served += cost
        latency = self.latency() if callable(self.latency) else self.latency
        if latency:
            await asyncio.sleep(latency)
        if body.get("stream"):
            return await self._stream(request, body, content, headers)
        return web.json_response(self._completion(body, content), headers=headers)

    async def _transcriptions(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _error(400, "file is required", "invalid_request_error", None)
        name = upload.filename or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in AUDIO_EXTENSIONS:
            message = f"file must be one of the following types: {sorted(AUDIO_EXTENSIONS)}"
            return _error(400, message, "invalid_request_error", None)
        audio = upload.file.read()
        language = form.get("language")
        self.transcriptions.append(
            Transcription(name, str(form.get("model")), str(language) if language else None, audio)
        )
        await self._notify()
        if self.transcription_faults:
            return await self._fail(self.transcription_faults.pop(0), 0.1)
        return web.json_response({"text": self.transcriber(audio)})

    def _fault_for(self, messages: Messages) -> tuple[FaultKind, float] | None:
        if self._scripted:
            scripted = self._scripted[0]
            scripted.count -= 1
            if scripted.count <= 0:
                self._scripted.pop(0)
            return scripted.kind, scripted.retry_after
        for predicate, kind in self._conditional:
            if predicate(messages):
                return kind, 0.1
        return None

    async def _fail(self, kind: FaultKind, retry_after: float) -> web.Response:
        if kind == "timeout":
            await self._closing.wait()  # never answers: the client's timeout fires first
            return web.Response(status=503)
        if kind == "rate_limit":
            response = _error(
                429,
                "Rate limit reached, please try again later",
                "rate_limit_exceeded",
                "rate_limit_exceeded",
            )
            response.headers["retry-after"] = str(retry_after)
            return response
        if kind == "server_error":
            return _error(500, "Internal Server Error", "internal_server_error", None)
        if kind == "unavailable":
            return _error(503, "Service Unavailable", "service_unavailable", None)
        if kind == "context_too_long":
            return _error(
                400,
                "Please reduce the length of the messages or completion.",
                "invalid_request_error",
                "context_length_exceeded",
            )
        if kind == "auth":
            return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        return _error(400, "'messages' must be a non-empty list", "invalid_request_error", None)

    def _completion(self, body: dict[str, Any], content: str) -> dict[str, Any]:
        content, extra = self._extras(body, content)
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, **extra},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": _usage(body, content),
        }

    async def _stream(
        self, request: web.Request, body: dict[str, Any], content: str, headers: dict[str, str]
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **headers})
        await response.prepare(request)
        chunk_id = f"chatcmpl-{next(self._ids)}"
        content, extra = self._extras(body, content)
        size = max(1, -(-len(content) // self.chunks))
        pieces = [content[i : i + size] for i in range(0, len(content), size)] or [""]
        try:
            for index, piece in enumerate(pieces):
                delta: dict[str, Any] = {"content": piece}
                if index == 0:  # reasoning and tools come before the answer, as Groq's do
                    delta |= {"role": "assistant", "content": ""} | extra
                    chunk0 = {
                        "id": chunk_id,
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                    }
                    await response.write(f"data: {json.dumps(chunk0)}\n\n".encode())
                    delta = {"content": piece}
                chunk = {
                    "id": chunk_id,
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
        except ConnectionResetError:
            self.streams_cut += 1  # the client stopped reading: the answer was stopped
            return response
        final = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "x_groq": {"id": f"req_{chunk_id}", "usage": _usage(body, content)},
        }
        await response.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        await response.write_eof()
        return response


def _check_images(body: dict[str, Any]) -> web.Response | None:
    """What Groq refuses about images: a blind model, too many, not a data URL, over 4 MB."""
    images = images_of(body.get("messages", []))
    if not images:
        return None
    if body.get("model") not in VISION_MODELS:
        return _error(400, "messages[1].content must be a string", "invalid_request_error", None)
    if len(images) > MAX_IMAGES:
        message = f"Too many images provided. This model supports up to {MAX_IMAGES} images"
        return _error(400, message, "invalid_request_error", None)
    for url in images:
        if not url.startswith(DATA_URL_PREFIXES):
            return _error(400, "invalid image data", "invalid_request_error", None)
        data = url.split(",", 1)[1]
        if len(data) > MAX_BASE64_IMAGE:
            return _error(400, "Request Entity Too Large", "invalid_request_error", None)
        base64.b64decode(data, validate=True)
    return None


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    """Tokens as the fake counts them: 4 characters a token, as the bot estimates too."""
    prompt = sum(len(str(m.get("content", ""))) // 4 for m in body["messages"])
    completion = len(content) // 4
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _error(status: int, message: str, kind: str, code: str | None) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": kind, "code": code}}, status=status
    )
