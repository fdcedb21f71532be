"""The ChatModel every conversation talks to: the scheduler, then Groq.

Wraps the Groq adapter (a decorator on the ChatModel port), so the runner keeps calling
`complete`/`stream` as before and its "typing" goes on while a turn waits here. A 429
that still comes is waited out in the queue again, until GROQ_REQUEST_TIMEOUT has passed
since the turn first asked (docs/architecture.md, "Scheduling and pacing").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from bot.core.errors import ModelError, ModelErrorKind
from bot.core.tokens import message_tokens
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply, Usage
from bot.scheduling.scheduler import Scheduler


@dataclass(frozen=True, slots=True)
class Allowance:
    """What the scheduled model is allowed: its patience and its spare model (the user's
    quota is the turn's business: bot/scheduling/quota.py)."""

    model: str  # GROQ_MODEL
    timeout: float  # GROQ_REQUEST_TIMEOUT: the longest a turn waits for the budget
    fallback: str | None = None  # FALLBACK_MODEL


class ScheduledModel(ChatModel):
    def __init__(
        self,
        inner: ChatModel,
        scheduler: Scheduler,
        allowance: Allowance,
        *,
        on_tokens: Callable[[Usage], None] = lambda _: None,
        is_live: Callable[[str], bool] = lambda _: True,
    ) -> None:
        self._inner = inner
        self._scheduler = scheduler
        self._allowance = allowance
        self._on_tokens = on_tokens
        self._is_live = is_live  # a retired FALLBACK_MODEL is no spare (bot/llm/catalog.py)
        self._completion_guess = 256.0  # a running mean of answers' tokens
        self._prompt_scale = 1.0  # the service's prompt tokens over our estimate, on average
        self._samples = 0  # usages seen: the first ones weigh as a plain mean

    async def complete(self, request: ModelRequest) -> Reply:
        deadline = self._deadline()
        while True:
            routed, estimate = await self._admit(request, deadline)
            try:
                reply = await self._inner.complete(routed)
            except ModelError as error:
                if self._again(error, deadline):
                    continue
                raise
            finally:
                self._scheduler.finished()
            self._account(reply.usage, estimate)
            if not self._fell_back(request, routed):
                return reply
            return replace(reply, served_by=routed.settings.model)

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        deadline = self._deadline()
        while True:
            routed, estimate = await self._admit(request, deadline)
            started = False
            try:
                async for delta in self._inner.stream(routed):
                    if not started:
                        self._scheduler.finished()
                    started = True
                    if delta.usage is not None:
                        self._account(delta.usage, estimate)
                    yield delta
            except ModelError as error:
                if not started and self._again(error, deadline):
                    continue
                raise
            finally:
                self._scheduler.finished()
            if self._fell_back(request, routed):
                yield Delta(served_by=routed.settings.model)
            return

    async def aclose(self) -> None:
        await self._scheduler.aclose()
        await self._inner.aclose()

    def _deadline(self) -> float:
        """The longest the turn waits for the budget, from when it first asked."""
        return asyncio.get_running_loop().time() + self._allowance.timeout

    async def _admit(self, request: ModelRequest, deadline: float) -> tuple[ModelRequest, int]:
        """The request, once the budget lets it go (on the fallback model while the main
        one is spent and the fallback is not), and our estimate of its prompt's tokens."""
        estimate = sum(message_tokens(m) for m in request.messages)
        tokens = int(estimate * self._prompt_scale + self._completion_guess)
        model = request.settings.model or self._allowance.model
        fallback = self._allowance.fallback
        if (
            fallback
            and model == self._allowance.model
            and self._is_live(fallback)
            and not self._scheduler.free_now(model, tokens)
            and self._scheduler.free_now(fallback, tokens)
        ):
            model = fallback
        await self._scheduler.admit(model, request.chat, tokens, deadline)
        return request.on(model), estimate

    def _fell_back(self, request: ModelRequest, routed: ModelRequest) -> bool:
        """FALLBACK_MODEL answered in place of the one asked for (the chat's, a vision
        model, or GROQ_MODEL): the answer says so."""
        return routed.settings.model != (request.settings.model or self._allowance.model)

    def _again(self, error: ModelError, deadline: float) -> bool:
        """A 429 that still came: its retry-after is in the budget now; queue up again."""
        return (
            error.kind is ModelErrorKind.RATE_LIMITED
            and asyncio.get_running_loop().time() < deadline
        )

    def _account(self, usage: Usage, estimate: int) -> None:
        """The call's real tokens correct the next estimates (what they cost the user, the
        turn counts from the same deltas: bot/scheduling/quota.py)."""
        self._samples += 1
        weight = 1 / min(self._samples, 16)
        self._completion_guess += (usage.completion_tokens - self._completion_guess) * weight
        if usage.prompt_tokens and estimate:
            scale = min(max(usage.prompt_tokens / estimate, 0.25), 4.0)
            self._prompt_scale += (scale - self._prompt_scale) * weight
        self._on_tokens(usage)
