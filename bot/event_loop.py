"""The event loop `python -m bot` (and `just bench`, for every bot it compares) runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from importlib.metadata import version
from types import ModuleType
from typing import Any


def _uvloop() -> ModuleType | None:
    """uvloop, the loop the ecosystem trusts for speed; None where it has no build (Windows)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    uvloop = _uvloop()
    if uvloop is None:
        asyncio.run(main)
    else:
        uvloop.run(main)


def loop_name() -> str:
    """Which loop `run_loop` runs on here, for the bench's header."""
    return "asyncio" if _uvloop() is None else f"uvloop {version('uvloop')}"
