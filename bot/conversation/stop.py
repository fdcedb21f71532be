"""The stop of one turn: /cancel or the draft's stop button ends the generation, not the turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


class StopSignal:
    """Cancels the generating task directly: the turn then delivers what it has so far."""

    def __init__(self) -> None:
        self.requested = False
        self._generating: asyncio.Future[None] | None = None

    def request(self) -> bool:
        """True when this stops something that was still running."""
        if self.requested:
            return False
        self.requested = True
        if self._generating is not None:
            self._generating.cancel()
        return True

    async def run(self, generating: Awaitable[None]) -> bool:
        """Wait for the answer; True when the user stopped it first."""
        self._generating = asyncio.ensure_future(generating)
        if self.requested:
            self._generating.cancel()
        try:
            await self._generating
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self.requested or (task is not None and task.cancelling()):
                raise  # the turn itself is being cancelled (a reset, the shutdown)
            return True
        finally:
            self._generating.cancel()  # a no-op once done; stops it when we are cancelled
        return False
