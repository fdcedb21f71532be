"""A message sent while its chat is busy is acknowledged at once with 👀, cleared when its
answer starts: in private chats and groups, with memory and with Redis."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq

USER = 77


@pytest.mark.parametrize("chat", [USER, -1001], ids=["private", "group"])
async def test_waiting_messages_carry_eyes_until_their_answer_starts(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str, chat: int
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    fake_groq.hold()
    to_bot = "" if chat == USER else "@test_bot "  # a group's bot answers when addressed
    first = bot.telegram.send_text(USER, f"{to_bot}first", chat_id=chat)
    await fake_groq.wait_for_held(1)
    rest = [bot.telegram.send_text(USER, f"{to_bot}m{n}", chat_id=chat) for n in range(3)]
    waiting = [(chat, u["message"]["message_id"]) for u in rest]
    await bot.telegram.wait_until(lambda: all(bot.telegram.reactions.get(m) for m in waiting))
    assert all(bot.telegram.reactions[m] == ["👀"] for m in waiting)
    assert (chat, first["message"]["message_id"]) not in bot.telegram.reactions  # not waiting

    fake_groq.let_go()
    await bot.replies(chat, 4)
    await bot.settled(chat)  # in a group the last answer may still be growing by edits
    answers = [m.text for m in bot.telegram.sent_to(chat)]
    speaker = "" if chat == USER else "User: "  # in a group the model is told who speaks
    assert answers == [f"reply to: {speaker}{t}" for t in ["first", "m0", "m1", "m2"]]
    assert all(bot.telegram.reactions[m] == [] for m in waiting)  # each cleared
    for message in waiting:  # set before its answer started, cleared once
        changes = [emoji for c, m, emoji in bot.telegram.reaction_log if (c, m) == message]
        assert changes == [["👀"], []]

    bot.telegram.send_text(USER, f"{to_bot}later", chat_id=chat)  # idle again: no 👀
    await bot.replies(chat, 5)
    assert len(bot.telegram.reaction_log) == 2 * len(waiting)


async def test_a_refused_reaction_never_stops_a_turn(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next(
        "setMessageReaction",
        error_code=400,
        description="Bad Request: REACTIONS_TOO_MANY",
        count=9,
    )
    fake_groq.hold()
    bot.telegram.send_text(USER, "first")
    await fake_groq.wait_for_held(1)
    bot.telegram.send_text(USER, "second")
    await bot.telegram.wait_until(
        lambda: any(m == "setMessageReaction" for m, _ in bot.telegram.calls)
    )
    fake_groq.let_go()
    assert await bot.replies(USER, 2) == ["reply to: first", "reply to: second"]
    await bot.settled(USER)
    # refused when set, and refused again when its answer took it back: nothing else failed
    assert [m for m, _ in bot.telegram.calls].count("setMessageReaction") == 2
    assert bot.telegram.reaction_log == []


async def test_cancelled_messages_lose_their_eyes(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    fake_groq.hold()
    bot.telegram.send_text(USER, "first")
    await fake_groq.wait_for_held(1)
    waiting = [
        (USER, bot.telegram.send_text(USER, f"m{n}")["message"]["message_id"]) for n in "ab"
    ]
    await bot.telegram.wait_until(lambda: all(bot.telegram.reactions.get(m) for m in waiting))
    bot.telegram.send_text(USER, "/cancel")
    await bot.telegram.wait_until(lambda: all(bot.telegram.reactions[m] == [] for m in waiting))
    fake_groq.let_go()
    await bot.settled(USER)
    assert len(fake_groq.requests) == 1  # the dropped ones never reached the model
