"""A fake Groq (OpenAI-compatible) server on 127.0.0.1, with latency and scripted faults.

It models Groq's API as of late 2026: today's model lineup with each model's context window
and completion cap, Groq's error bodies, reasoning as gpt-oss (`include_reasoning`) and Qwen
(`reasoning_format`) return and stream it, and gpt-oss browser search with its citation
markers and `executed_tools`. A retired model id answers as Groq answers it: 400
`model_decommissioned`; an id Groq never had answers 404 `model_not_found`.

This module is the server: its routes, a chat completion's way through the checks, and
what tests steer (latency, held requests, waiting for requests). Its parts, one job each:
- fake_groq_models: the lineup, what each family accepts, GET /models;
- fake_groq_answers and fake_groq_completions: what the model answers, and how it is sent;
- fake_groq_faults and fake_groq_limits: Groq's errors, scripted faults, rate limits;
- fake_groq_audio: /audio/transcriptions; fake_groq_messages: reading a request's messages.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.support.fake_groq_answers import ScriptedAnswers, echo_last_user
from tests.support.fake_groq_audio import Transcription, Transcriptions
from tests.support.fake_groq_completions import CompletionFormats
from tests.support.fake_groq_faults import FaultKind, ScriptedFaults, unauthorized
from tests.support.fake_groq_limits import RateLimits
from tests.support.fake_groq_messages import Messages, images_of, text_of
from tests.support.fake_groq_models import (
    CREATED,
    DEFAULT_LIMITS,
    FAMILIES,
    MODEL_LIMITS,
    MODELS,
    ModelLineup,
    check_images,
    check_params,
    family_of,
    model_entry,
)
from tests.support.local_server import LocalServer

__all__ = [
    "CREATED",
    "DEFAULT_LIMITS",
    "MODELS",
    "MODEL_LIMITS",
    "FakeGroq",
    "FaultKind",
    "Messages",
    "Transcription",
    "echo_last_user",
    "images_of",
    "model_entry",
    "text_of",
]


class FakeGroq(
    Transcriptions,
    ModelLineup,
    ScriptedFaults,
    ScriptedAnswers,
    CompletionFormats,
    RateLimits,
    LocalServer,
):
    """Answers `/openai/v1/chat/completions` like Groq does, and records every request."""

    def __init__(self, api_key: str = "test-groq-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.latency: float | Callable[[], float] = 0.0
        self._ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._open = asyncio.Event()
        self._open.set()
        self.held = 0  # requests waiting behind `hold()` right now

    @property
    def base_url(self) -> str:
        return self.address

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/openai/v1/chat/completions", self._completions)
        app.router.add_post("/openai/v1/audio/transcriptions", self._transcriptions)
        app.router.add_get("/openai/v1/models", self._models)

    async def _on_close(self) -> None:
        self._open.set()
        await self._notify()

    # --- what tests do ---------------------------------------------------------------------

    def hold(self) -> None:
        """Keep every request from now on waiting (a model that has not answered yet)."""
        self._open.clear()

    def let_go(self) -> None:
        self._open.set()

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

    # --- the server ------------------------------------------------------------------------

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
        model = str(body.get("model", ""))
        refused = (
            unauthorized(request, self.api_key)
            or self._check_model(model)
            or check_params(body, model)
            or check_images(body, FAMILIES[family_of(model)].vision)
        )
        if refused is not None:
            return refused
        messages: Messages = body.get("messages", [])
        fault = self._fault_for(messages)
        if fault is not None:
            return await self._fail(*fault)
        content = self.responder(messages)
        refused, headers = self._charge(body, content)
        if refused is not None:
            return refused
        latency = self.latency() if callable(self.latency) else self.latency
        if latency:
            await asyncio.sleep(latency)
        answer = self._answer(body, content)
        if body.get("stream"):
            return await self._stream(request, body, answer, headers)
        return web.json_response(self._completion(body, answer), headers=headers)
