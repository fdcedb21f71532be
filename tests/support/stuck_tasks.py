"""What a hung test was waiting for: its event loop's tasks, each with its stack.

pytest-timeout fails a test that runs too long (pyproject.toml), but the main thread of a hung
asyncio test only ever shows the event loop's `select`. Shortly before that timeout, each
async test writes its tasks' stacks to stderr, which pytest shows with the failure.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator

import pytest

MARGIN = 5.0  # seconds before pytest-timeout's own failure


def write_tasks(loop: asyncio.AbstractEventLoop) -> None:
    sys.stderr.write("\n=== still running near the test's timeout: the event loop's tasks ===\n")
    for task in asyncio.all_tasks(loop):
        task.print_stack(file=sys.stderr)
    sys.stderr.flush()


@pytest.fixture
async def _tasks_written_when_stuck(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    timeout = float(request.config.getini("timeout") or 0)
    if timeout <= MARGIN:
        yield
        return
    loop = asyncio.get_running_loop()
    timer = loop.call_later(timeout - MARGIN, write_tasks, loop)
    yield
    timer.cancel()


@pytest.fixture(autouse=True)
def _stuck_async_tests_say_why(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("asyncio") is not None:
        request.getfixturevalue("_tasks_written_when_stuck")
    yield
