"""The bot runs on uvloop where it is installed, and on asyncio's own loop where it is not."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.event_loop import run_loop


def _loop_module() -> str:
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    run_loop(main())
    return seen[0]


def test_uvloop_where_it_is_installed() -> None:
    assert _loop_module().startswith("uvloop")


def test_asyncios_own_loop_where_uvloop_has_no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert _loop_module().startswith("asyncio")
