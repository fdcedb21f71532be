"""The chat's "typing…" indicator: shown while the model works."""

from __future__ import annotations

from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq


async def test_typing_is_shown_while_the_model_works(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 0.3
    bot = await start_bot()
    bot.telegram.send_text(24, "think hard")
    await bot.replies(24, 1)
    assert (24, "typing") in bot.telegram.chat_actions
