"""How the fake Groq fails: Groq's error bodies, the answer to each kind of fault, and the
faults a test scripts (the next requests, or those whose messages match)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from tests.support.fake_groq_messages import Messages

FaultKind = Literal[
    "timeout",
    "rate_limit",
    "server_error",
    "unavailable",
    "context_too_long",
    "auth",
    "bad_request",
]


def error(status: int, message: str, kind: str, code: str | None) -> web.Response:
    """An error as Groq answers it (OpenAI's shape: message, type, code)."""
    return web.json_response(
        {"error": {"message": message, "type": kind, "code": code}}, status=status
    )


def unauthorized(request: web.Request, api_key: str) -> web.Response | None:
    """Groq's 401 for a request without this key; None for one with it."""
    if request.headers.get("Authorization") != f"Bearer {api_key}":
        return error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
    return None


def refusal(kind: FaultKind, retry_after: float) -> web.Response:
    """Groq's answer to a fault of `kind`, but a timeout (that one never answers)."""
    if kind == "rate_limit":
        response = error(
            429,
            "Rate limit reached, please try again later",
            "rate_limit_exceeded",
            "rate_limit_exceeded",
        )
        response.headers["retry-after"] = str(retry_after)
        return response
    if kind == "server_error":
        return error(500, "Internal Server Error", "internal_server_error", None)
    if kind == "unavailable":
        return error(503, "Service Unavailable", "service_unavailable", None)
    if kind == "context_too_long":
        return error(
            400,
            "Please reduce the length of the messages or completion.",
            "invalid_request_error",
            "context_length_exceeded",
        )
    if kind == "auth":
        return error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
    return error(400, "'messages' must be a non-empty list", "invalid_request_error", None)


@dataclass
class _Scripted:
    kind: FaultKind
    count: int
    retry_after: float


class ScriptedFaults:
    """A mixin of FakeGroq: the faults tests script; the host supplies `_closing`."""

    _closing: asyncio.Event  # the host's: set when the server closes

    def __init__(self) -> None:
        super().__init__()
        self._scripted: list[_Scripted] = []
        self._conditional: list[tuple[Callable[[Messages], bool], FaultKind]] = []

    def fail_next(self, kind: FaultKind, count: int = 1, *, retry_after: float = 0.1) -> None:
        self._scripted.append(_Scripted(kind, count, retry_after))

    def clear_faults(self) -> None:
        self._scripted.clear()
        self._conditional.clear()

    def fail_when(self, predicate: Callable[[Messages], bool], kind: FaultKind) -> None:
        self._conditional.append((predicate, kind))

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
        return refusal(kind, retry_after)
