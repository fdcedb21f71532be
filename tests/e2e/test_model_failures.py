"""What users meet when Groq fails: a notice for that message only, retries where they help,
and a dialog left whole (nothing of the failed turn in the next prompt)."""

from __future__ import annotations

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import user_turns
from tests.support.fake_groq import FakeGroq


async def test_a_model_failure_mid_burst_answers_that_message_with_a_notice_only(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_when(lambda messages: messages[-1]["content"] == "m2", "server_error")
    bot = await start_bot()
    for n in range(5):
        bot.telegram.send_text(7, f"m{n}")

    replies = await bot.replies(7, 5)
    assert replies == [
        "reply to: m0",
        "reply to: m1",
        EN.model_unavailable,
        "reply to: m3",
        "reply to: m4",
    ]
    last = fake_groq.requests[-1]
    assert "m2" not in user_turns(last)  # the failed turn left nothing dangling
    assert user_turns(last) == ["m0", "m1", "m3", "m4"]


async def test_a_rate_limited_model_call_is_retried(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("rate_limit", retry_after=0.2)
    bot = await start_bot()
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 2


async def test_rate_limited_beyond_the_retries_waits_and_answers(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """The SDK's retries spent, the turn waits out retry-after in the scheduler's queue."""
    fake_groq.fail_next("rate_limit", count=2, retry_after=0.1)
    bot = await start_bot()
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 3


async def test_rate_limited_for_longer_than_the_timeout_tells_the_user(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("rate_limit", count=1000, retry_after=0.2)
    bot = await start_bot(GROQ_REQUEST_TIMEOUT="1", GROQ_MAX_RETRIES="0")
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == [EN.model_rate_limited]
    fake_groq.clear_faults()
    bot.telegram.send_text(8, "again")
    assert (await bot.replies(8, 2))[1] == "reply to: again"
    bot.telegram.send_text(8, "again")
    assert (await bot.replies(8, 2))[1] == "reply to: again"
    assert user_turns(fake_groq.requests[-1]) == ["again"]


async def test_a_slow_model_ends_in_a_timeout_notice(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("timeout", count=2)
    bot = await start_bot(GROQ_REQUEST_TIMEOUT="0.3")
    bot.telegram.send_text(9, "are you there?")
    assert await bot.replies(9, 1) == [EN.model_timeout]
    assert len(fake_groq.requests) == 2  # one SDK retry, so at most about two timeouts


async def test_context_too_long_is_retried_once_with_half_the_budget(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(HISTORY_MAX_TOKENS="600", SYSTEM_PROMPT="be brief")
    for n in range(6):
        bot.telegram.send_text(23, f"question {n} " + "x" * 160)
    await bot.replies(23, 6)
    fake_groq.fail_next("context_too_long")
    bot.telegram.send_text(23, "and now?")
    assert (await bot.replies(23, 7))[6] == "reply to: and now?"
    refused, retried = fake_groq.requests[-2:]
    assert user_turns(refused)[-1] == user_turns(retried)[-1] == "and now?"
    assert len(retried["messages"]) < len(refused["messages"])
    size = sum(len(m["content"]) for m in retried["messages"])
    assert size <= 300 * 4  # half of the 600-token budget, at 4 bytes a token
