"""With STORAGE_URL=redis://: dialogs survive a restart; a Redis outage is told and survived."""

from __future__ import annotations

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import user_turns
from tests.support.fake_groq import FakeGroq
from tests.support.redis_server import RedisServer


async def test_the_dialog_continues_after_a_restart(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    first = await start_bot(STORAGE_URL=redis_url)
    first.telegram.send_text(50, "my cat is Tom")
    await first.replies(50, 1)
    await first.settled(50)
    await first.stop()

    second = await start_bot(STORAGE_URL=redis_url)
    second.telegram.send_text(50, "what is my cat's name?")
    await second.replies(50, 2)
    assert user_turns(fake_groq.requests[-1]) == ["my cat is Tom", "what is my cat's name?"]


async def test_redis_going_away_is_told_and_the_bot_recovers(
    start_bot: StartBot, fake_groq: FakeGroq, redis_server: RedisServer
) -> None:
    bot = await start_bot(STORAGE_URL=redis_server.url)
    bot.telegram.send_text(51, "one")
    await bot.replies(51, 1)
    await bot.settled(51)

    redis_server.stop()
    bot.telegram.send_text(51, "two")
    assert (await bot.replies(51, 2))[1] == EN.storage_unavailable

    redis_server.start()  # same port, same append-only file
    bot.telegram.send_text(51, "three")
    assert (await bot.replies(51, 3))[2] == "reply to: three"
    assert user_turns(fake_groq.requests[-1]) == ["one", "three"]


async def test_a_message_delivered_twice_is_answered_once(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    bot = await start_bot(STORAGE_URL=redis_url)
    update = bot.telegram.send_text(52, "once")
    await bot.replies(52, 1)
    again = dict(update, update_id=update["update_id"] + 1000)
    bot.telegram.push(again)
    bot.telegram.send_text(52, "next")
    assert await bot.replies(52, 2) == ["reply to: once", "reply to: next"]
    assert [r["messages"][-1]["content"] for r in fake_groq.requests] == ["once", "next"]
