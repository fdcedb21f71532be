"""The event loop `python -m bot` (and `just bench`, for every bot it compares) runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from importlib.metadata import PackageNotFoundError, version
from typing import Any


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """uvloop, the loop the ecosystem trusts for speed; asyncio's own where it has no build
    (Windows)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def loop_name() -> str:
    """Which loop `run_loop` runs on here, for the bench's header."""
    try:
        return f"uvloop {version('uvloop')}"
    except PackageNotFoundError:
        return "asyncio"
