"""Groups and forum topics: the bot speaks when spoken to, and each topic is its own dialog."""

from __future__ import annotations

from bot.texts import EN
from tests.e2e.conftest import StartBot, StartReplica
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

GROUP = -1002001
ANN, BOB = 501, 502


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


ADMIN = 503
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: every anonymous admin's user id
CHANNEL_BOT = 136817688  # the user id of every message sent as a channel
GROUP_B = -1002002
CHANNEL = -1003001


def as_chat(chat_id: int, kind: str = "supergroup") -> dict[str, object]:
    """`sender_chat` of a message sent as a chat: the group (an anonymous admin), a channel."""
    return {"id": chat_id, "type": kind, "title": "Chat"}


def said(tg: FakeTelegram, text: str) -> bool:
    return any(m.text == text for m in tg.sent_to(GROUP))


async def told(tg: FakeTelegram, text: str, count: int = 1) -> None:
    """Until the group was sent `text` (at least `count` times)."""
    await tg.wait_until(lambda: sum(m.text == text for m in tg.sent_to(GROUP)) >= count)


async def test_in_a_group_a_members_cancel_reaches_only_their_own_messages(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    tg = bot.telegram
    fake_groq.hold()  # Ann's answer is being made while the others speak
    tg.push(tg.group_update(ANN, "@test_bot tell a long story", chat_id=GROUP, first_name="Ann"))
    await fake_groq.wait_for_requests(1)
    tg.push(tg.group_update(ANN, "@test_bot and then?", chat_id=GROUP, first_name="Ann"))
    tg.push(tg.group_update(BOB, "@test_bot my question", chat_id=GROUP, first_name="Bob"))
    tg.push(tg.group_update(BOB, "/cancel", chat_id=GROUP, first_name="Bob"))
    await told(tg, EN.cancelled(stopped=False, dropped=1))  # Bob's own waiting message only
    tg.push(tg.group_update(BOB, "/cancel", chat_id=GROUP, first_name="Bob"))
    await told(tg, EN.cancel_not_yours)  # nothing of his left: Ann's answer is not his to stop
    fake_groq.let_go()
    await told(tg, "reply to: Ann: tell a long story")
    await told(tg, "reply to: Ann: and then?")
    await bot.settled(GROUP)
    assert not said(tg, EN.stopped)
    assert [users_said(r)[-1] for r in fake_groq.requests] == [
        "Ann: tell a long story",
        "Ann: and then?",
    ]  # Bob's dropped question never reached the model


async def test_in_a_group_the_author_or_an_admin_stops_an_answer(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    tg = bot.telegram
    fake_groq.hold()
    tg.push(tg.group_update(ANN, "@test_bot story one", chat_id=GROUP, first_name="Ann"))
    await fake_groq.wait_for_requests(1)
    tg.push(tg.group_update(ANN, "/cancel", chat_id=GROUP, first_name="Ann"))  # her own
    await told(tg, EN.cancelled(stopped=True, dropped=0))
    await told(tg, EN.stopped)

    tg.push(tg.group_update(ANN, "@test_bot story two", chat_id=GROUP, first_name="Ann"))
    await fake_groq.wait_for_requests(2)
    tg.push(tg.group_update(BOB, "@test_bot my turn", chat_id=GROUP, first_name="Bob"))
    anonymous = tg.group_update(
        ANONYMOUS_ADMIN, "/cancel", chat_id=GROUP, sender_chat=as_chat(GROUP)
    )
    tg.push(anonymous)  # an anonymous admin writes as the group: an admin's cancel
    await told(tg, EN.cancelled(stopped=True, dropped=1))
    await told(tg, EN.stopped, count=2)

    tg.admins.add((GROUP, ADMIN))
    tg.push(tg.group_update(BOB, "@test_bot story three", chat_id=GROUP, first_name="Bob"))
    await fake_groq.wait_for_requests(3)
    tg.push(tg.group_update(ADMIN, "/cancel", chat_id=GROUP, first_name="Ada"))
    await told(tg, EN.cancelled(stopped=True, dropped=0), count=2)
    await told(tg, EN.stopped, count=3)
    fake_groq.let_go()
    await bot.settled(GROUP)
    assert len(fake_groq.requests) == 3  # Bob's dropped turn never reached the model
    assert not any(m.text.startswith("reply to:") for m in tg.sent_to(GROUP))


async def test_an_admins_cancel_asks_telegram_off_the_dispatch_loop_and_spares_later_messages(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    tg = bot.telegram
    tg.admins.add((GROUP, ADMIN))
    fake_groq.hold()
    tg.push(tg.group_update(ANN, "@test_bot story", chat_id=GROUP, first_name="Ann"))
    await fake_groq.wait_for_requests(1)
    tg.hold("getChatMember")  # Telegram is slow to say who is an admin
    tg.push(tg.group_update(ADMIN, "/cancel", chat_id=GROUP, first_name="Ada"))
    await tg.wait_until(lambda: any(method == "getChatMember" for method, _ in tg.calls))
    later = tg.group_update(ANN, "@test_bot after the cancel", chat_id=GROUP, first_name="Ann")
    tg.push(later)
    tg.send_text(BOB, "/help")  # another chat is served meanwhile
    await bot.replies(BOB, 1)
    await tg.wait_until(lambda: bool(tg.reactions.get((GROUP, later["message"]["message_id"]))))
    tg.let_go()
    await told(tg, EN.cancelled(stopped=True, dropped=0))  # the message after it is kept
    fake_groq.let_go()
    await told(tg, "reply to: Ann: after the cancel")
    await bot.settled(GROUP)


async def test_across_replicas_a_members_cancel_spares_others_and_an_admins_does_not(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    """The answer is made on `a`; the commands reach `b`, which asks `a` over the control
    channel."""
    a, b = [await start_replica(STORAGE_URL=redis_url, LEASE_TTL="2") for _ in range(2)]
    tg = fake_telegram
    tg.admins.add((GROUP, ADMIN))
    fake_groq.hold()
    assert await a.post(tg.group_update(ANN, "@test_bot story", chat_id=GROUP)) == 200
    await fake_groq.wait_for_requests(1)
    assert await b.post(tg.group_update(BOB, "@test_bot mine", chat_id=GROUP)) == 200
    assert await b.post(tg.group_update(BOB, "/cancel", chat_id=GROUP)) == 200
    await told(tg, EN.cancelled(stopped=False, dropped=1))
    fake_groq.let_go()
    await told(tg, "reply to: User: story")

    fake_groq.hold()
    assert await a.post(tg.group_update(ANN, "@test_bot another", chat_id=GROUP)) == 200
    await fake_groq.wait_for_requests(2)
    assert await b.post(tg.group_update(BOB, "/cancel", chat_id=GROUP)) == 200
    await told(tg, EN.cancel_not_yours)
    assert await b.post(tg.group_update(ADMIN, "/cancel", chat_id=GROUP)) == 200
    await told(tg, EN.cancelled(stopped=True, dropped=0))
    await told(tg, EN.stopped)
    fake_groq.let_go()
    assert len(fake_groq.requests) == 2  # Bob's dropped turn never reached the model


async def test_in_a_group_the_new_dialog_button_is_an_admins(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    tg = bot.telegram
    tg.push(tg.group_update(ANN, "@test_bot remember 42", chat_id=GROUP, first_name="Ann"))
    await bot.replies(GROUP, 1)
    await bot.settled(GROUP)
    answer = tg.sent_json(tg.sent_to(GROUP)[0])
    tg.push(tg.group_update(BOB, EN.button_new_dialog, chat_id=GROUP, reply_to=answer))
    assert (await bot.replies(GROUP, 2))[1] == EN.admins_only
    tg.push(tg.group_update(ANN, "@test_bot what did I say?", chat_id=GROUP, first_name="Ann"))
    await bot.replies(GROUP, 3)
    assert users_said(fake_groq.requests[-1])[0] == "Ann: remember 42"  # the dialog is intact

    tg.admins.add((GROUP, ADMIN))
    tg.push(tg.group_update(ADMIN, EN.button_new_dialog, chat_id=GROUP, reply_to=answer))
    assert (await bot.replies(GROUP, 4))[3] == EN.new_dialog_dropping(0)
    tg.push(tg.group_update(ANN, "@test_bot hello", chat_id=GROUP, first_name="Ann"))
    await bot.replies(GROUP, 5)
    assert users_said(fake_groq.requests[-1]) == ["Ann: hello"]


async def test_anonymous_admins_and_channels_have_a_daily_quota_per_chat(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage, USER_DAILY_TOKENS="5")
    tg = bot.telegram
    question = "@test_bot a question long enough to spend the whole quota at once"

    def as_anonymous(chat_id: int, text: str) -> None:
        tg.push(
            tg.group_update(ANONYMOUS_ADMIN, text, chat_id=chat_id, sender_chat=as_chat(chat_id))
        )

    as_anonymous(GROUP, question)  # spends group A's anonymous admins' quota
    await bot.replies(GROUP, 1)
    await bot.settled(GROUP)
    as_anonymous(GROUP_B, "@test_bot b")  # group B's anonymous admins have their own
    tg.push(
        tg.group_update(
            CHANNEL_BOT, "@test_bot c", chat_id=GROUP, sender_chat=as_chat(CHANNEL, "channel")
        )
    )
    as_anonymous(GROUP, "@test_bot again")  # group A's is spent
    [answer_b] = await bot.replies(GROUP_B, 1)
    assert not answer_b.startswith(EN.quota_exceeded_template.split("{")[0])
    replies = await bot.replies(GROUP, 3)
    assert sum(r.startswith(EN.quota_exceeded_template.split("{")[0]) for r in replies) == 1
    assert len(fake_groq.requests) == 3  # A's first, B's, and the channel's
