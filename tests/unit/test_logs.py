"""Crash logs say where a turn failed, never what the user wrote: no local variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from loguru import logger

from tests.support.log_capture import captured_logs

DIARY = "dear diary, my card number is 4111 1111"


def summarise(text: str) -> int:
    words = text.split()  # a local holding the user's words, as any step of a turn has
    raise RuntimeError(f"cannot summarise {len(words)} words")


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
def test_an_exception_log_holds_no_local_variable(tmp_path: Path, json: bool) -> None:
    with captured_logs("TRACE", tmp_path, json=json) as logs:
        try:
            summarise(DIARY)
        except RuntimeError:
            logger.exception("chat=1 turn msg=2 crashed")
        text = logs.text()
    assert "crashed" in text and "cannot summarise 8 words" in text  # the crash is there...
    assert "summarise" in text and "Traceback" in text  # ...with its traceback
    for word in ("diary", "4111"):
        assert word not in text  # ...but not the values of the frames' variables


def test_the_traceback_starts_where_the_exception_was_caught(tmp_path: Path) -> None:
    with captured_logs("INFO", tmp_path) as logs:
        try:
            summarise("x")
        except RuntimeError:
            logger.exception("crashed")
        text = logs.text()
    assert "_pytest" not in text  # the frames above the handler (pytest's here) are noise
