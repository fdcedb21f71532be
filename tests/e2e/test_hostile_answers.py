"""One user's hostile answer cannot freeze the others' chats (issue #22, item 1).

An answer is rendered on the event loop at every preview update and at delivery; the old
code-span regex took minutes on one letter and 3,000 backticks, and every chat waited.
"""

from __future__ import annotations

from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq, Messages, echo_last_user, text_of

ALICE, BOB = 301, 302
HOSTILE = "a" + "`" * 3_000


def hostile_to_alice(messages: Messages) -> str:
    question = text_of(messages[-1]["content"])
    return HOSTILE if question == "backticks please" else echo_last_user(messages)


async def test_a_hostile_answer_does_not_hold_up_another_user(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(STREAM_INTERVAL="0.05")
    fake_groq.responder = hostile_to_alice
    fake_groq.chunks, fake_groq.chunk_delay = 8, 0.05  # a preview rendered at every chunk
    bot.telegram.send_text(ALICE, "backticks please")
    await fake_groq.wait_for_requests(1)
    bot.telegram.send_text(BOB, "are you there?")
    assert await bot.replies(BOB, 1, timeout=2) == ["reply to: are you there?"]
    assert await bot.replies(ALICE, 1) == [HOSTILE]
