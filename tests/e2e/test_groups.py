"""Groups and forum topics: the bot speaks when spoken to, and each topic is its own dialog."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq

GROUP = -1002001
ANN, BOB = 501, 502


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


def users_said(request: dict[str, object]) -> list[str]:
    messages = request["messages"]
    assert isinstance(messages, list)
    return [m["content"] for m in messages if m["role"] == "user"]


async def test_group_chatter_is_ignored_and_what_is_said_to_the_bot_is_answered(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    tg = bot.telegram
    tg.push(tg.group_update(ANN, "hi all", chat_id=GROUP, first_name="Ann"))
    tg.push(tg.group_update(BOB, "@other_bot what now?", chat_id=GROUP, first_name="Bob"))
    tg.push(tg.group_update(BOB, "/help@other_bot", chat_id=GROUP, first_name="Bob"))
    asked = tg.group_update(ANN, "@test_bot what is 2+2?", chat_id=GROUP, first_name="Ann")
    tg.push(asked)
    await bot.replies(GROUP, 1)
    await bot.settled(GROUP)  # a group's answer grows by edits: read it once finished
    assert (
        tg.sent_to(GROUP)[0].text == "reply to: Ann: what is 2+2?"
    )  # the mention is out, the speaker in
    assert tg.sent_to(GROUP)[0].reply_to_message_id == asked["message"]["message_id"]

    reply = tg.group_update(
        BOB, "and 3+3?", chat_id=GROUP, first_name="Bob", reply_to=tg.sent_json(tg.sent[0])
    )
    tg.push(reply)
    await bot.replies(GROUP, 2)
    await bot.settled(GROUP)
    # one shared dialog: Ann's turn and Bob's, each with its speaker; the chatter never came
    assert len(fake_groq.requests) == 2
    assert users_said(fake_groq.requests[-1]) == ["Ann: what is 2+2?", "Bob: and 3+3?"]
    assert tg.sent_to(GROUP)[1].reply_to_message_id == reply["message"]["message_id"]


async def test_a_reply_to_someone_else_carries_their_message_as_quoted_context(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    tg = bot.telegram
    said = tg.group_update(ANN, "the meeting moved to Friday", chat_id=GROUP, first_name="Ann")
    tg.push(said)
    tg.push(
        tg.group_update(
            BOB,
            "@test_bot is that true?",
            chat_id=GROUP,
            first_name="Bob",
            reply_to=said["message"],
        )
    )
    await bot.replies(GROUP, 1)
    [question] = users_said(fake_groq.requests[0])
    assert question == "Bob: Ann:\n> the meeting moved to Friday\n\nis that true?"


async def test_forum_topics_are_dialogs_of_their_own_answered_in_their_topic(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    tg = bot.telegram
    for n, topic in enumerate([11, 22, 11, 22]):
        text = f"@test_bot t{topic}-m{n}"
        tg.push(tg.group_update(ANN, text, chat_id=GROUP, thread_id=topic, first_name="Ann"))
        await bot.replies(GROUP, n + 1)
        await bot.settled_topic(GROUP, topic)
    last_of = {users_said(r)[-1].split("-")[0]: users_said(r) for r in fake_groq.requests}
    assert last_of["Ann: t11"] == ["Ann: t11-m0", "Ann: t11-m2"]
    assert last_of["Ann: t22"] == ["Ann: t22-m1", "Ann: t22-m3"]
    threads = [int(m.params["message_thread_id"]) for m in tg.sent_to(GROUP)]
    assert threads == [11, 22, 11, 22]  # each answer in its own topic
    actions = [p for method, p in tg.calls if method == "sendChatAction"]
    assert actions and all("message_thread_id" in p for p in actions)
