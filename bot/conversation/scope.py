"""A step of a task that another task may cancel, without cancelling the task around it.

A reset cancels the turn but not the chat's actor; the stop button cancels the generation
but not the turn. Each used to run in a task of its own, and starting a task costs a pass
through the event loop's ready queue, which under load is most of a message's wait before
its model call (just bench: update -> model call). A scope runs the step inline and cancels
it the way `asyncio.timeout` cancels its block: it cancels the task, and at the block's end
takes back (uncancels) the cancel it sent, so a cancel of the task itself still goes through.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class CancelScope:
    """`with scope:` around the step, in the task running it; `scope.cancel()` from anywhere."""

    def __init__(self) -> None:
        self.requested = False
        self.cancelled_caught = False  # the step ended by our cancel
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self._delivery: asyncio.Handle | None = None
        self._sent = False

    def cancel(self) -> bool:
        """True the first time; the step ends at its next await (at its first, if not begun)."""
        if self.requested:
            return False
        self.requested = True
        if self._task is not None:
            self._schedule()
        return True

    def __enter__(self) -> CancelScope:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a cancel scope runs in a task")
        self._task, self._cancelling = task, task.cancelling()
        if self.requested:
            self._schedule()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        task, self._task = self._task, None
        if self._delivery is not None:
            self._delivery.cancel()  # not delivered yet: the step ended first
            self._delivery = None
        if not self._sent or task is None:
            return False
        # Ours taken back; swallowed only if no other cancel of the task is pending.
        if task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            self.cancelled_caught = True
            return True
        return False

    def _schedule(self) -> None:
        """From the loop, so the cancel lands while the task waits inside the step."""
        if self._delivery is None and not self._sent:
            self._delivery = asyncio.get_running_loop().call_soon(self._deliver)

    def _deliver(self) -> None:
        self._delivery = None
        if self._task is not None:
            self._sent = True
            self._task.cancel()
