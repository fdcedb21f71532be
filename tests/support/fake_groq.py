"""A fake Groq (OpenAI-compatible) server on 127.0.0.1, with latency and scripted faults.

It models Groq's API as of late 2026: today's model lineup with each model's context window
and completion cap, Groq's error bodies, reasoning as gpt-oss (`include_reasoning`) and Qwen
(`reasoning_format`) return and stream it, and gpt-oss browser search with its citation
markers and `executed_tools`. A retired model id answers as Groq answers it: 400
`model_decommissioned`; an id Groq never had answers 404 `model_not_found`.
"""

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


# Today's lineup, (context_window, max_completion_tokens) each, as GET /models reports them:
# chat models, and the speech and safety ones a client filters out.
MODEL_LIMITS: dict[str, tuple[int, int]] = {
    "openai/gpt-oss-120b": (131072, 65536),
    "openai/gpt-oss-20b": (131072, 65536),
    "qwen/qwen3.6-27b": (131072, 40960),
    "whisper-large-v3": (448, 448),
    "whisper-large-v3-turbo": (448, 448),
    "canopylabs/orpheus-v1-english": (4000, 50000),
    "canopylabs/orpheus-arabic-saudi": (4000, 50000),
    "openai/gpt-oss-safeguard-20b": (131072, 65536),
    "meta-llama/llama-prompt-guard-2-86m": (512, 512),
}
MODELS = list(MODEL_LIMITS)  # what GET /openai/v1/models lists
DEFAULT_LIMITS = (131072, 32768)  # a model a test added to `fake.models`
# Models Groq has turned off: a request naming one answers 400 model_decommissioned.
RETIRED = frozenset(
    {
        "llama-3.3-70b-versatile",  # retired
        "llama-3.1-8b-instant",  # retired
        "meta-llama/llama-4-scout-17b-16e-instruct",  # retired
        "meta-llama/llama-4-maverick-17b-128e-instruct",  # retired
        "qwen/qwen3-32b",  # retired
        "groq/compound",  # retired
        "groq/compound-mini",  # retired
        "moonshotai/kimi-k2-instruct",  # retired
        "gemma2-9b-it",  # retired
    }
)
OWNERS = {
    "openai/": "OpenAI",
    "whisper-": "OpenAI",
    "qwen/": "Alibaba Cloud",
    "canopylabs/": "Canopy Labs",
    "meta-llama/": "Meta",
}
CREATED = 1754408224  # the models list's `created`, one plausible Unix time for all


@dataclass(frozen=True)
class Capabilities:
    """What a model family accepts; the fake refuses the rest with Groq's 400s."""

    reasoning: Literal["include_reasoning", "reasoning_format"] | None  # how it is asked for
    efforts: tuple[str, ...]  # the `reasoning_effort` values it takes
    vision: bool
    tools: frozenset[str]  # the tool types it takes


FAMILIES = {
    "gpt-oss": Capabilities(
        "include_reasoning",
        ("low", "medium", "high"),
        vision=False,
        tools=frozenset({"browser_search", "code_interpreter", "function"}),
    ),
    "qwen3.6": Capabilities(
        "reasoning_format", ("none", "default"), vision=True, tools=frozenset({"function"})
    ),
    # the SDK's reference: qwen/qwen3.8-27b "additionally supports low, medium, and high"
    "qwen3.8": Capabilities(
        "reasoning_format",
        ("none", "default", "low", "medium", "high"),
        vision=True,
        tools=frozenset({"function"}),
    ),
    # the safeguard model, speech models, and whatever a test adds: plain chat, no extras
    "plain": Capabilities(None, (), vision=False, tools=frozenset()),
}


def family_of(model: str) -> str:
    """The key into FAMILIES for a model id."""
    if model.startswith("openai/gpt-oss-") and "safeguard" not in model:
        return "gpt-oss"
    if model.startswith("qwen/qwen3.8"):
        return "qwen3.8"
    if model.startswith("qwen/"):  # Groq's Qwen models think raw in the content by default
        return "qwen3.6"
    return "plain"


def model_entry(model: str) -> dict[str, Any]:
    """One model as GET /openai/v1/models describes it."""
    context, completion = MODEL_LIMITS.get(model, DEFAULT_LIMITS)
    owner = next((o for prefix, o in OWNERS.items() if model.startswith(prefix)), "Groq")
    return {
        "id": model,
        "object": "model",
        "created": CREATED,
        "owned_by": owner,
        "active": True,
        "context_window": context,
        "public_apps": None,
        "max_completion_tokens": completion,
    }


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
class _Answer:
    """One answer in Groq's shape: what the model thought, and what of it the client sees."""

    text: str  # the answer, with citation markers when it searched
    thinking: str = ""  # all the model thought, shown or not: it is billed either way
    reasoning: str | None = None  # the thinking in the `reasoning` field (parsed)
    think: str = ""  # the thinking raw in the content: "<think>...</think>" before the text
    executed_tools: list[dict[str, Any]] | None = None

    def usage(self, body: dict[str, Any]) -> dict[str, Any]:
        """Tokens at 4 characters each; the completion counts the thinking too."""
        usage: dict[str, Any] = _usage(body, self.thinking + self.text)
        if self.thinking:  # a reasoning model's usage: how much of it was thinking
            usage["completion_tokens_details"] = {"reasoning_tokens": len(self.thinking) // 4}
        return usage


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
        # how long the audio plays, in seconds: what `verbose_json` reports as its `duration`
        self.audio_seconds: Callable[[bytes], float] = lambda audio: 2.0
        self.transcription_faults: list[FaultKind] = []
        self.models = list(MODELS)
        self.retired = set(RETIRED)  # ids that answer 400 model_decommissioned
        self.model_lists = 0  # GET /models served
        # a reasoning model's thinking: in `reasoning`, raw in <think>, or hidden
        self.thinking: Callable[[Messages], str] = lambda messages: "step one, step two"
        # what gpt-oss's browser_search found: {"title", "url"} each
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

    def retire(self, model: str) -> None:
        """Groq decommissions `model` mid-test: gone from the list, and requests get a 400."""
        self.retired.add(model)
        self.models[:] = [m for m in self.models if m != model]

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
        return web.json_response({"object": "list", "data": [model_entry(m) for m in self.models]})

    def _check_model(self, model: str) -> web.Response | None:
        """Groq's answer to a retired id (400) or one it does not serve (404)."""
        if model in self.retired:
            message = (
                f"The model `{model}` has been decommissioned and is no longer supported. "
                "Please refer to https://console.groq.com/docs/deprecations for a "
                "recommendation on which model to use instead."
            )
            return _error(400, message, "invalid_request_error", "model_decommissioned")
        if model not in self.models:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return _error(404, message, "invalid_request_error", "model_not_found")
        return None

    def _answer(self, body: dict[str, Any], text: str) -> _Answer:
        """The answer as the model's family returns it: reasoning and searching included."""
        model = str(body.get("model", ""))
        messages: Messages = body.get("messages", [])
        family = family_of(model)
        answer = _Answer(text)
        if family == "gpt-oss":
            answer.thinking = self.thinking(messages)
            if body.get("include_reasoning") is not False:
                answer.reasoning = answer.thinking
        elif family == "qwen3.6" and body.get("reasoning_effort") != "none":
            answer.thinking = self.thinking(messages)
            if body.get("reasoning_format") == "parsed":
                answer.reasoning = answer.thinking
            elif body.get("reasoning_format") != "hidden":  # raw, Qwen's default: in the content
                answer.think = f"<think>{answer.thinking}</think>"
        tools = {t.get("type") for t in body.get("tools") or []}
        if "browser_search" in tools and "browser_search" in FAMILIES[family].tools:
            answer.text += "".join(f" 【{i}†L1-L3】" for i in range(len(self.search_results)))
            answer.executed_tools = [self._search(messages)]
        return answer

    def _search(self, messages: Messages) -> dict[str, Any]:
        """The `executed_tools` entry of a gpt-oss browser search, from `search_results`."""
        users = [text_of(m.get("content", "")) for m in messages if m.get("role") == "user"]
        found = [(r["title"], r["url"]) for r in self.search_results]
        return {
            "index": 0,
            "type": "browser.search",
            "arguments": json.dumps({"query": (users[-1] if users else "")[:50]}),
            "output": "\n".join(f"【{i}†{title}†{url}】" for i, (title, url) in enumerate(found)),
            "search_results": {
                "results": [{"title": t, "url": u, "content": "", "score": 0.9} for t, u in found]
            },
        }

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
        model = str(body.get("model", ""))
        refused = (
            self._check_model(model)
            or _check_params(body, model)
            or _check_images(body, FAMILIES[family_of(model)].vision)
        )
        if refused is not None:
            return refused
        messages: Messages = body.get("messages", [])
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
        answer = self._answer(body, content)
        if body.get("stream"):
            return await self._stream(request, body, answer, headers)
        return web.json_response(self._completion(body, answer), headers=headers)

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
        model = str(form.get("model"))
        self.transcriptions.append(
            Transcription(name, model, str(language) if language else None, audio)
        )
        await self._notify()
        refused = self._check_model(model)
        if refused is not None:
            return refused
        if self.transcription_faults:
            return await self._fail(self.transcription_faults.pop(0), 0.1)
        text = self.transcriber(audio)
        meta = {"x_groq": {"id": f"req_{next(self._ids)}"}}
        if form.get("response_format") != "verbose_json":
            return web.json_response({"text": text, **meta})
        return web.json_response(_verbose(text, language, self.audio_seconds(audio)) | meta)

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

    def _completion(self, body: dict[str, Any], answer: _Answer) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.think + answer.text}
        if answer.reasoning is not None:
            message["reasoning"] = answer.reasoning
        if answer.executed_tools is not None:
            message["executed_tools"] = answer.executed_tools
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": answer.usage(body),
        }

    async def _stream(
        self, request: web.Request, body: dict[str, Any], answer: _Answer, headers: dict[str, str]
    ) -> web.StreamResponse:
        """Groq's order: the role (and tools run), the reasoning, then the content."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **headers})
        await response.prepare(request)
        chunk_id = f"chatcmpl-{next(self._ids)}"

        def event(delta: dict[str, Any], finish: str | None = None, **more: Any) -> bytes:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **more,
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        first: dict[str, Any] = {"role": "assistant", "content": ""}
        if answer.executed_tools is not None:
            first["executed_tools"] = answer.executed_tools
        deltas = [{"reasoning": p} for p in _split(answer.reasoning or "", 2)]
        deltas += [{"content": p} for p in _think_pieces(answer.think)]
        deltas += [{"content": p} for p in _split(answer.text, self.chunks) or [""]]
        try:
            await response.write(event(first))
            for delta in deltas:
                await response.write(event(delta))
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
        except ConnectionResetError:
            self.streams_cut += 1  # the client stopped reading: the answer was stopped
            return response
        usage = answer.usage(body)
        final = event({}, "stop", x_groq={"id": f"req_{chunk_id}", "usage": usage})
        await response.write(final + b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _verbose(text: str, language: object, seconds: float) -> dict[str, Any]:
    """A `verbose_json` transcription: the audio's duration, and the text as one segment."""
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": seconds,
        "text": text,
        "tokens": [50365, 50415],
        "temperature": 0.0,
        "avg_logprob": -0.25,
        "compression_ratio": 1.1,
        "no_speech_prob": 0.01,
    }
    spoken = str(language) if language else "English"
    return {
        "task": "transcribe",
        "language": spoken,
        "duration": seconds,
        "text": text,
        "segments": [segment] if text.strip() else [],
    }


def _split(text: str, parts: int) -> list[str]:
    """`text` in at most `parts` pieces of equal size (none for an empty text)."""
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _think_pieces(think: str) -> list[str]:
    """A raw "<think>...</think>" block cut mid-tag, as Groq's tokens cut it: "<thi", "nk>..."."""
    if not think:
        return []
    middle = (len(think) + 1) // 2
    cuts = [0, 4, middle, len(think) - 4, len(think)]
    return [think[a:b] for a, b in itertools.pairwise(cuts) if a < b]


def _check_params(body: dict[str, Any], model: str) -> web.Response | None:
    """What Groq refuses about reasoning, tools and the completion cap for this model."""
    caps = FAMILIES[family_of(model)]
    include, fmt = body.get("include_reasoning"), body.get("reasoning_format")
    effort, asked = body.get("reasoning_effort"), body.get("max_completion_tokens")
    tools = [t.get("type") for t in body.get("tools") or [] if t.get("type") not in caps.tools]
    cap = MODEL_LIMITS.get(model, DEFAULT_LIMITS)[1]
    if include is not None and fmt is not None:
        message = "`include_reasoning` and `reasoning_format` are mutually exclusive"
    elif include is not None and caps.reasoning != "include_reasoning":
        message = "include_reasoning is not supported with this model"
    elif fmt is not None and caps.reasoning != "reasoning_format":
        message = "reasoning_format is not supported with this model"
    elif effort is not None and not caps.efforts:
        message = "reasoning_effort is not supported with this model"
    elif effort is not None and effort not in caps.efforts:
        message = f"`reasoning_effort` must be one of {', '.join(caps.efforts)}"
    elif tools:
        message = f"tool type {tools[0]} is not supported with this model"
    elif isinstance(asked, int) and asked > cap:
        message = (
            f"`max_completion_tokens` must be less than or equal to `{cap}`, the maximum value "
            "for `max_completion_tokens` is less than the `context_window` for this model"
        )
    else:
        return None
    return _error(400, message, "invalid_request_error", None)


def _check_images(body: dict[str, Any], vision: bool) -> web.Response | None:
    """What Groq refuses about images: a blind model, too many, not a data URL, over 4 MB."""
    messages: Messages = body.get("messages", [])
    images = images_of(messages)
    if not images:
        return None
    if not vision:
        first = next(i for i, m in enumerate(messages) if images_of([m]))
        message = f"messages[{first}].content must be a string"
        return _error(400, message, "invalid_request_error", None)
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
