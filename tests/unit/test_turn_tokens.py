"""A turn's tokens come from what its model calls report (`Delta.usage`, `Reply.usage`), summed
by the runner over every call it makes, the retry with half the budget included; a stream that
reports nothing (stopped, or failed midway) is counted by an estimate; with a quota, each call
reserves its estimate first (docs/architecture.md, "Quotas")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.conversation.scope import CancelScope
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.outcomes import Ending
from bot.core.tokens import estimate_tokens, message_tokens
from bot.llm.port import Delta, ModelRequest, Usage
from bot.scheduling.quota import Quota, Spending
from bot.storage.memory import MemoryBackend
from tests.support.recording_bot import RecordingBot
from tests.unit.runner_helpers import ScriptedModel, run, runner

USER = 5  # tests.unit.runner_helpers.run's user


class TooLongOnce(ScriptedModel):
    """Refuses the first request as too long for the context, then answers."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        if not self.requests:
            self.requests.append(request)
            raise ModelError(ModelErrorKind.CONTEXT_TOO_LONG, "400")
        async for delta in super().stream(request):
            yield delta


@pytest.mark.parametrize("stream", [False, True])
async def test_the_turn_counts_what_its_calls_report(
    bot: RecordingBot, backend: MemoryBackend, stream: bool
) -> None:
    model = TooLongOnce(Delta("Paris."), Delta(usage=Usage(30, 12)))
    outcome = await run(runner(bot, backend, model, stream=stream), "Capital of France?")
    assert outcome.ending is Ending.ANSWERED
    assert len(model.requests) == 2  # the retry with half the budget
    assert await backend.usage.tokens_today(USER) == 42


async def test_a_stopped_stream_counts_an_estimate(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """Groq reports a stream's usage with its last chunk: a stopped one reports none."""
    model = ScriptedModel(Delta(reasoning="Thinking. "), Delta("The first half"), hang=True)
    stop = CancelScope()
    turn_runner = runner(bot, backend, model, stream=True)
    running = asyncio.create_task(run(turn_runner, "A long story, please", stop=stop))
    await model.waiting.wait()
    stop.cancel()
    assert (await running).ending is Ending.STOPPED
    prompt = sum(message_tokens(m) for m in model.requests[0].messages)
    streamed = estimate_tokens("Thinking. The first half")
    assert await backend.usage.tokens_today(USER) == prompt + streamed


async def test_a_stream_failing_midway_counts_an_estimate(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    model = ScriptedModel(
        Delta("The first half"), error=ModelError(ModelErrorKind.TIMEOUT, "mid-stream")
    )
    outcome = await run(runner(bot, backend, model, stream=True), "A long story, please")
    assert outcome.model_error is ModelErrorKind.TIMEOUT
    prompt = sum(message_tokens(m) for m in model.requests[0].messages)
    assert await backend.usage.tokens_today(USER) == prompt + estimate_tokens("The first half")


async def test_a_call_refused_before_any_answer_costs_nothing(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    model = ScriptedModel(error=ModelError(ModelErrorKind.UNAVAILABLE, "503"))
    await run(runner(bot, backend, model, stream=True), "hello?")
    assert await backend.usage.tokens_today(USER) == 0


async def test_each_call_reserves_its_estimate_and_the_end_replaces_it(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """While the call runs the user's day holds the prompt's estimate and the answer's room."""
    model = ScriptedModel(Delta("Hi."), hang=True)
    quota = Quota(backend.usage, daily_tokens=5, answer_room=lambda model: 1000)
    stop = CancelScope()
    turn_runner = runner(bot, backend, model, stream=True, quota=quota)
    running = asyncio.create_task(run(turn_runner, "hello", stop=stop))
    await model.waiting.wait()
    prompt = sum(message_tokens(m) for m in model.requests[0].messages)
    assert await backend.usage.tokens_today(USER) == prompt + 1000
    stop.cancel()
    await running
    assert await backend.usage.tokens_today(USER) == prompt + estimate_tokens("Hi.")


async def test_over_the_quota_no_call_is_made(bot: RecordingBot, backend: MemoryBackend) -> None:
    await backend.usage.reserve(USER, 10, quota=5)
    model = ScriptedModel(Delta("Hi."))
    quota = Quota(backend.usage, daily_tokens=5)
    outcome = await run(runner(bot, backend, model, quota=quota), "hello")
    assert outcome.model_error is ModelErrorKind.QUOTA_EXCEEDED
    assert model.requests == []
    assert await backend.usage.tokens_today(USER) == 10


def test_audio_seconds_count_as_tokens_at_least_ten_a_call(backend: MemoryBackend) -> None:
    """Groq bills Whisper per second of audio, at least 10 s a request."""
    quota = Quota(backend.usage, second_tokens=7)
    spent = Spending()
    spent.heard(3.0)
    assert quota.total(spent) == 70
    spent.heard(12.5)
    spent.add(Usage(100, 20))
    assert quota.total(spent) == 120 + 158  # 22.5 s at 7 tokens, rounded up


async def test_the_retry_with_half_the_budget_is_not_refused_by_its_own_reservation(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The turn reserves once: its retry asks for less than the first call reserved."""
    quota = Quota(backend.usage, daily_tokens=1000, answer_room=lambda model: 1000)
    model = TooLongOnce(Delta("Paris."), Delta(usage=Usage(30, 12)))
    outcome = await run(runner(bot, backend, model, quota=quota), "Capital of France?")
    assert outcome.ending is Ending.ANSWERED
    assert await backend.usage.tokens_today(USER) == 42


async def test_a_turn_a_reset_cancels_pays_what_it_used_and_gives_its_reservation_back(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """A reset cancels the turn: its end is never written, so it settles on its own."""
    model = ScriptedModel(Delta("The first half"), hang=True)
    quota = Quota(backend.usage, daily_tokens=5, answer_room=lambda model: 1000)
    running = asyncio.create_task(run(runner(bot, backend, model, stream=True, quota=quota), "hi"))
    await model.waiting.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    prompt = sum(message_tokens(m) for m in model.requests[0].messages)
    assert await backend.usage.tokens_today(USER) == prompt + estimate_tokens("The first half")
    assert (await backend.usage.today()).turns == 0
