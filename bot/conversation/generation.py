"""A turn's answer as it is made: its model calls and what they gave so far.

Each call reserves its estimate of the user's day first (the quota), and is counted by what it
reports: `Delta.usage` of a stream, `Reply.usage` of a whole answer, or an estimate where a
stream reported nothing because it was stopped or failed midway (bot/scheduling/quota.py).
The runner (runner.py) hands either call to `Prompts.ask`, which may make it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.turn import Turn
from bot.delivery.streaming import Preview
from bot.llm.port import ChatModel, Delta, ModelRequest, Source
from bot.scheduling.quota import Quota, Spending


@dataclass(slots=True)
class Progress:
    """The answer so far, kept outside the generating task so a stop can still deliver it."""

    text: str = ""
    stopped: bool = False
    served_by: str = ""  # another model than the chat's, when it answered: the answer says so
    retired: str = ""  # the model Groq retired during the turn: the answer says so, once
    reasoning: str = ""  # shown apart, never stored, never the answer
    reasoning_shown: bool = False
    sources: list[Source] = field(default_factory=list)

    def absorb(self, piece: Delta) -> None:
        self.reasoning += piece.reasoning
        self.sources += piece.sources
        self.served_by = piece.served_by or self.served_by
        self.retired = piece.retired or self.retired


class Generation:
    """The calls of one turn, into one `Progress` and one `Spending`."""

    def __init__(
        self,
        model: ChatModel,
        quota: Quota,
        turn: Turn,
        spent: Spending,
        *,
        before_text: Callable[[], Awaitable[None]],  # the thinking, shown above the answer
    ) -> None:
        self._model = model
        self._quota = quota
        self._turn = turn
        self._spent = spent
        self._before_text = before_text
        self.progress = Progress()

    async def streamed(self, request: ModelRequest, preview: Preview) -> str:
        """The answer, piece by piece into the preview."""
        await self._quota.reserve(self._turn.user_id, request, self._spent)
        meter = self._spent.meter(request)
        progress = self.progress
        try:
            async for delta in self._model.stream(request):
                meter.saw(delta)
                progress.absorb(delta)
                if delta.text:
                    await self._before_text()
                    progress.text += delta.text
                    await preview.update(progress.text)
        finally:  # stopped, failed or done: counted either way
            meter.end()
        return progress.text

    async def completed(self, request: ModelRequest) -> str:
        """The answer in one piece."""
        await self._quota.reserve(self._turn.user_id, request, self._spent)
        reply = await self._model.complete(request)
        self._spent.add(reply.usage)
        self.progress.absorb(
            Delta(
                reasoning=reply.reasoning,
                sources=reply.sources,
                served_by=reply.served_by,
                retired=reply.retired,
            )
        )
        return reply.text
