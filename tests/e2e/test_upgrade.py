"""An upgrade loses nothing: a Redis written by the release before (key layout 1) is migrated
at start; its dialogs go on and its waiting messages are answered, in order."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import user_turns
from tests.support.fake_groq import FakeGroq


def v1_turn(chat: int, message_id: int, text: str) -> str:
    """A turn as the release before wrote it into its inbox stream: no schema field."""
    fields = {
        "chat_id": chat,
        "user_id": chat,
        "message_id": message_id,
        "text": text,
        "language_code": "en",
        "private": True,
        "retry": False,
    }
    return json.dumps(fields)


async def fill_layout_1(url: str) -> None:
    redis = Redis.from_url(url)
    try:
        dialog = [
            {"v": 1, "role": "user", "content": "my cat is Tom"},
            {"v": 1, "role": "assistant", "content": "noted"},
        ]
        await redis.rpush("groqbot:v1:dialog:60", *(json.dumps(m) for m in dialog))
        await redis.rpush("groqbot:v1:dialog:61", json.dumps(dialog[0]), json.dumps(dialog[1]))
        for message_id, text in ((5, "left one"), (6, "left two")):
            await redis.xadd(
                "groqbot:v1:inbox:61",
                {"turn": v1_turn(61, message_id, text)},
                id=f"{message_id}-1",
            )
        await redis.sadd("groqbot:v1:inboxes", "61")
        await redis.set("groqbot:fsm:61:61:state", "ConversationStates:awaiting_reply")
    finally:
        await redis.aclose()


async def test_a_redis_of_the_release_before_is_read_after_the_upgrade(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    await fill_layout_1(redis_url)
    bot = await start_bot(STORAGE_URL=redis_url)

    # the messages left waiting are answered, in order, on the dialog they were sent in
    assert await bot.replies(61, 2) == ["reply to: left one", "reply to: left two"]
    assert user_turns(fake_groq.requests[0]) == ["my cat is Tom", "left one"]
    await bot.settled(61)

    bot.telegram.send_text(60, "what is my cat's name?")  # the dialog goes on
    await bot.replies(60, 1)
    assert user_turns(fake_groq.requests[-1]) == ["my cat is Tom", "what is my cat's name?"]

    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        assert [k async for k in redis.scan_iter(match="groqbot:v1:*")] == []
        assert [k async for k in redis.scan_iter(match="groqbot:fsm:*")] == []
        assert await redis.llen("groqbot:v2:4242:dialog:60") == 4
    finally:
        await redis.aclose()
    await bot.stop()

    again = await start_bot(STORAGE_URL=redis_url)  # a second start migrates nothing again
    again.telegram.send_text(60, "and his age?")
    await again.replies(60, 2)
    assert user_turns(fake_groq.requests[-1])[:2] == ["my cat is Tom", "what is my cat's name?"]
