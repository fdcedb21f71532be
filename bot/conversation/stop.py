"""The stop of one turn: /cancel or the draft's stop button ends its reading or its generation,
not the turn."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from bot.conversation.scope import CancelScope

T = TypeVar("T")


class StopSignal:
    """Cancels the step in its scope: the turn then delivers what it has so far, if anything."""

    def __init__(self) -> None:
        self._scope = CancelScope()

    @property
    def requested(self) -> bool:
        return self._scope.requested

    def request(self) -> bool:
        """True when this stops something that was still running."""
        return self._scope.cancel()

    async def within(self, step: Awaitable[T]) -> T | None:
        """A step before the generation (the load: a media turn's reading can take long); None
        when the user stopped the turn first, and the step was cancelled."""
        with self._scope:
            return await step
        return None

    async def run(self, generating: Awaitable[None]) -> bool:
        """Wait for the answer; True when the user stopped it first."""
        with self._scope:
            await generating
        return self._scope.cancelled_caught
