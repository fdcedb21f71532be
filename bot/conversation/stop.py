"""The stop of one turn: /cancel or the draft's stop button ends the generation, not the turn."""

from __future__ import annotations

from collections.abc import Awaitable

from bot.conversation.scope import CancelScope


class StopSignal:
    """Cancels the generation in its scope: the turn then delivers what it has so far."""

    def __init__(self) -> None:
        self._scope = CancelScope()

    @property
    def requested(self) -> bool:
        return self._scope.requested

    def request(self) -> bool:
        """True when this stops something that was still running."""
        return self._scope.cancel()

    async def run(self, generating: Awaitable[None]) -> bool:
        """Wait for the answer; True when the user stopped it first."""
        with self._scope:
            await generating
        return self._scope.cancelled_caught
