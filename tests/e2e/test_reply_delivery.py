"""How an answer reaches the chat: whole in parts (none that shows nothing), formatted, as
plain text when Telegram refuses its entities; what Telegram's refusals (flood limit, blocked,
bad request) do."""

from __future__ import annotations

import asyncio

from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.support.fake_groq import FakeGroq


async def test_a_long_reply_arrives_whole_in_parts(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    paragraphs = [f"Paragraph {n}: " + "lorem ipsum dolor sit amet " * 12 for n in range(28)]
    paragraphs = [p.strip() for p in paragraphs]
    long_reply = "\n\n".join(paragraphs)
    assert len(long_reply) > 9000
    fake_groq.responder = lambda messages: long_reply
    bot = await start_bot()
    bot.telegram.send_text(10, "tell me a lot")
    await bot.telegram.wait_until(lambda: len(bot.telegram.sent_to(10)) >= 3)
    await asyncio.sleep(0.2)
    parts = [m.text for m in bot.telegram.sent_to(10)]
    assert len(parts) == 3
    assert all(utf16_len(part) <= TELEGRAM_TEXT_LIMIT for part in parts)
    assert "\n\n".join(parts) == long_reply  # cut only at paragraph breaks, nothing lost
    bot.telegram.send_text(10, "thanks")
    await bot.replies(10, 4)
    assert dialog_of(fake_groq.requests[-1])[2] == ("assistant", long_reply)


async def test_telegram_flood_limit_is_waited_out(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )
    bot.telegram.send_text(16, "hi")
    assert await bot.replies(16, 1) == ["reply to: hi"]


async def test_a_user_who_blocked_the_bot_costs_nothing_and_keeps_no_history(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    bot.telegram.send_text(17, "one")
    await fake_groq.wait_for_requests(1)
    bot.telegram.send_text(17, "two")
    assert await bot.replies(17, 1) == ["reply to: two"]
    assert user_turns(fake_groq.requests[-1]) == ["two"]


async def test_a_send_error_tells_the_user_and_commits_nothing(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next("sendMessage", error_code=400, description="Bad Request: something odd")
    bot.telegram.send_text(18, "one")
    assert await bot.replies(18, 1) == [EN.send_failed]
    bot.telegram.send_text(18, "two")
    assert (await bot.replies(18, 2))[1] == "reply to: two"
    assert user_turns(fake_groq.requests[-1]) == ["two"]


async def test_markdown_arrives_formatted_and_the_model_keeps_its_own_words(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    answer = "**Bold** and `code` for <div> & x_y, _done_ 😀"
    fake_groq.responder = lambda messages: answer
    bot = await start_bot()
    bot.telegram.send_text(27, "format please")
    await bot.replies(27, 1)
    sent = bot.telegram.sent_to(27)[0]
    assert sent.text == "Bold and code for <div> & x_y, done 😀"
    assert sent.entities is not None
    assert sorted((e["type"], e["offset"], e["length"]) for e in sent.entities) == [
        ("bold", 0, 4),
        ("code", 9, 4),
        ("italic", 31, 4),
    ]
    bot.telegram.send_text(27, "next")
    await bot.replies(27, 2)
    assert dialog_of(fake_groq.requests[-1])[2] == ("assistant", answer)


async def test_a_reply_refused_for_its_entities_arrives_as_plain_text(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: "**important** answer"
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage", error_code=400, description="Bad Request: can't parse entities"
    )
    bot.telegram.send_text(28, "hi")
    await bot.replies(28, 1)
    sent = bot.telegram.sent_to(28)[0]
    assert sent.text == "important answer"
    assert not sent.entities
    bot.telegram.send_text(28, "again")
    await bot.replies(28, 2)
    assert user_turns(fake_groq.requests[-1]) == ["hi", "again"]  # the turn was committed


async def test_a_long_code_block_is_closed_and_reopened_across_parts(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    code = "\n".join(f"line_{n} = {n} * 2  # compute" for n in range(400))
    fake_groq.responder = lambda messages: f"Here:\n\n```python\n{code}\n```\n\nDone."
    bot = await start_bot()
    bot.telegram.send_text(29, "long code")
    await bot.telegram.wait_until(lambda: len(bot.telegram.sent_to(29)) >= 4)
    parts = bot.telegram.sent_to(29)
    pres = [[e for e in (m.entities or []) if e["type"] == "pre"] for m in parts]
    assert all(len(p) == 1 and p[0]["language"] == "python" for p in pres[:-1] if p)
    assert sum(1 for p in pres if p) >= 3  # the block spans parts, each one valid alone
    assert "".join(m.text for m in parts).count("# compute") == 400


async def test_a_part_with_nothing_visible_is_not_sent(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """A run of spaces inside code longer than a message is kept by the splitting, but a
    part made only of it is refused by Telegram ("message text is empty") and shows nothing."""
    art = "x" + " " * 9000 + "y"
    fake_groq.responder = lambda messages: f"Art:\n\n```\n{art}\n```"
    bot = await start_bot(STREAM_REPLIES="false")
    bot.telegram.send_text(45, "draw")
    await bot.telegram.wait_until(
        lambda: any(m.text.endswith("y") for m in bot.telegram.sent_to(45))
    )
    texts = [m.text for m in bot.telegram.sent_to(45)]
    assert texts[0] == "Art:" and EN.send_failed not in texts
    assert "".join(texts[1:]).replace(" ", "") == "xy"
