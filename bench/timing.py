"""Each section's seconds on stderr as it ends, and all of them at the end: a slow section
shows itself without a profiler, and the table on stdout stays clean."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

SECONDS: dict[str, float] = {}


@contextmanager
def section(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        SECONDS[name] = SECONDS.get(name, 0.0) + seconds
        sys.stderr.write(f"bench: {name}: {seconds:.1f} s\n")
        sys.stderr.flush()


def summary() -> str:
    """One line: every section's seconds, in the order they ran."""
    return "sections (s): " + ", ".join(f"{name} {s:.1f}" for name, s in SECONDS.items())
