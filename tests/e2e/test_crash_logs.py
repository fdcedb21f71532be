"""A turn that crashes: the user is told, the log says where, and no message text is logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.llm.groq import GroqChatModel
from bot.llm.port import Delta, ModelRequest, Reply
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.support.log_capture import captured_logs

SECRET = "my PIN is 9931, please remember it"


async def broken_stream(self: GroqChatModel, request: ModelRequest) -> AsyncIterator[Delta]:
    """A bug in the model adapter, with the dialog at hand as every such step has it."""
    asked = request.messages[-1].content
    raise RuntimeError(f"adapter bug on a {len(asked)}-character question")
    yield Delta()  # pragma: no cover - an async generator, like the real stream


async def broken_complete(self: GroqChatModel, request: ModelRequest) -> Reply:
    asked = request.messages[-1].content
    raise RuntimeError(f"adapter bug on a {len(asked)}-character question")


@pytest.mark.parametrize("stream", ["true", "false"])
async def test_a_crashed_turn_logs_its_traceback_without_the_message_text(
    start_bot: StartBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stream: str
) -> None:
    monkeypatch.setattr(GroqChatModel, "stream", broken_stream)
    monkeypatch.setattr(GroqChatModel, "complete", broken_complete)
    with captured_logs("DEBUG", tmp_path / "logs") as logs:
        bot = await start_bot(STREAM_REPLIES=stream)
        bot.telegram.send_text(77, SECRET)
        assert await bot.replies(77, 1) == [EN.internal_error]
        await bot.stop()
        text = logs.text()
    assert "chat=77" in text and "crashed" in text and "adapter bug" in text
    assert "Traceback" in text
    for word in ("PIN", "9931", "remember"):
        assert word not in text
