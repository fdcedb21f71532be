"""Groq's rate limits, for the fake Groq: requests and tokens per window, the x-ratelimit
headers on every answer, and a 429 with retry-after over them. Off unless a test calls
`limit`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fake_groq_answers import usage_of
from tests.support.fake_groq_faults import refusal


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


class RateLimits:
    """A mixin of FakeGroq: the limits a test turns on, and what they let through."""

    def __init__(self) -> None:
        super().__init__()
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

    def _charge(
        self, body: dict[str, Any], content: str
    ) -> tuple[web.Response | None, dict[str, str]]:
        """The 429 for an answer over a limit (None if it may go out), and the headers it
        goes out with (none while no limit applies)."""
        headers: dict[str, str] = {}
        if self._limits is not None and self._limited_model in (None, body.get("model")):
            cost = usage_of(body, content)["total_tokens"]
            allowed, headers = self._limits.charge(cost, time.monotonic())
            if not allowed:
                self.rate_limited += 1
                response = refusal("rate_limit", float(headers["retry-after"]))
                response.headers.update(headers)
                return response, headers
            self.served += 1
            self.tokens_served += cost
        return None, headers
