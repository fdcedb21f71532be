"""Several dialogs per chat, the way a user meets them: through the real polling loop, on
memory and on Redis. /new keeps the dialog so far; /dialogs lists the chat's dialogs with
their titles; a dialog resumed continues with its own history (the model's prompt shows it);
rename and delete; a history written by the previous release is kept as a dialog."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.core.chat import ChatKey
from bot.handlers.dialog_menu import DialogButton
from bot.storage.base import DialogStore
from bot.texts import EN
from tests.e2e.conftest import RunningBot, StartBot, StartReplica
from tests.support.fake_groq import FakeGroq, Messages, echo_last_user, text_of
from tests.support.fake_telegram import FakeTelegram, SentMessage

USER = 6101


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


def titles_or_echo(messages: Messages) -> str:
    """A title for a title request ("Title <the question's first word>"), else the echo."""
    system = text_of(messages[0]["content"]) if messages else ""
    if system.startswith("Give the conversation below a title"):
        question = text_of(messages[-1]["content"]).removeprefix("User: ")
        return f"Title {question.split()[0]}"
    return echo_last_user(messages)


def users_said(request: dict[str, Any]) -> list[str]:
    return [text_of(m["content"]) for m in request["messages"] if m["role"] == "user"]


async def say(bot: RunningBot, text: str, **extra: Any) -> None:
    """A message, answered and committed."""
    before = len(bot.telegram.sent_to(USER))
    bot.telegram.push(bot.telegram.message_update(USER, text, **extra))
    await bot.replies(USER, before + 1)
    await bot.settled(USER)


async def titled(bot: RunningBot, count: int) -> None:
    """Until `count` dialogs of the chat have their titles (asked in the background)."""
    store: DialogStore = bot.dp["dialogs"]
    key = ChatKey(bot.bot.id, USER)
    for _ in range(500):
        if sum(1 for d in await store.dialogs(key) if d.title) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the dialogs were not titled")


async def dialogs_menu(bot: RunningBot) -> SentMessage:
    before = len(bot.telegram.sent_to(USER))
    bot.telegram.push(bot.telegram.message_update(USER, "/dialogs"))
    await bot.replies(USER, before + 1)
    return bot.telegram.sent_to(USER)[-1]


def listed(menu: SentMessage) -> dict[str, str]:
    """The menu's dialogs: each button's text by the dialog's id."""
    assert menu.reply_markup is not None
    found = {}
    for row in menu.reply_markup["inline_keyboard"]:
        for button in row:
            data = DialogButton.unpack(button["callback_data"])
            if data.action == "open":
                found[data.dialog] = button["text"]
    return found


async def press(bot: RunningBot, menu: SentMessage, action: str, dialog: str) -> None:
    """A button of the menu, once the bot has answered the press."""
    answered = len(bot.telegram.callback_answers)
    data = DialogButton(action=action, dialog=dialog, owner=USER).pack()
    bot.telegram.press(USER, menu, data)
    await bot.telegram.wait_until(lambda: len(bot.telegram.callback_answers) > answered)


async def test_three_dialogs_listed_with_titles_and_resumed_out_of_order(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    fake_groq.responder = titles_or_echo
    bot = await start_bot(STORAGE_URL=storage, DIALOG_TITLES="true")
    await say(bot, "cats purr")
    await say(bot, "/new")
    await say(bot, "dogs bark")
    await say(bot, "/new")
    await say(bot, "birds sing")
    await titled(bot, 3)

    menu = await dialogs_menu(bot)
    assert menu.text == EN.dialogs_heading
    shown = listed(menu)
    assert [text.split(" · ")[0] for text in shown.values()] == [
        "▶️ Title birds",  # the current one first, then the latest
        "Title dogs",
        "Title cats",
    ]
    ids = {text.split(" · ")[0].removeprefix("▶️ "): dialog for dialog, text in shown.items()}

    await press(bot, menu, "open", ids["Title cats"])
    assert menu.text.startswith(EN.dialog_resumed_template.format(name="Title cats"))
    await say(bot, "more on cats")
    assert users_said(fake_groq.requests[-1]) == ["cats purr", "more on cats"]
    bot.telegram.push(bot.telegram.message_update(USER, "/export"))  # the current dialog
    await bot.telegram.wait_until(lambda: len(bot.telegram.documents) == 1)
    exported = bot.telegram.documents[0].content
    assert "more on cats" in exported and "dogs bark" not in exported

    menu = await dialogs_menu(bot)
    await press(bot, menu, "open", ids["Title dogs"])
    await say(bot, "and dogs?")
    assert users_said(fake_groq.requests[-1]) == ["dogs bark", "and dogs?"]

    menu = await dialogs_menu(bot)
    await press(bot, menu, "open", ids["Title birds"])
    await say(bot, "birds again")
    assert users_said(fake_groq.requests[-1]) == ["birds sing", "birds again"]
    titles = [r for r in fake_groq.requests if users_said(r)[0].startswith("User: ")]
    assert len(titles) == 3  # one title call per dialog, after its first answer only
    assert all(r["max_completion_tokens"] == 32 for r in titles)


async def test_a_dialog_is_renamed_by_a_reply_and_deleted_after_a_confirmation(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)  # titles off: "Dialog of <date>"
    await say(bot, "first topic")
    await say(bot, "/new")
    await say(bot, "second topic")
    menu = await dialogs_menu(bot)
    [second, first] = listed(menu)
    assert listed(menu)[first].startswith(EN.dialog_untitled_template.format(date=""))

    await press(bot, menu, "open", first)  # resumed, with its rename and delete buttons
    await press(bot, menu, "rename", first)
    prompt = bot.telegram.sent_to(USER)[-1]
    assert prompt.reply_markup is not None and prompt.reply_markup["force_reply"] is True
    reply = {"reply_to_message": bot.telegram.sent_json(prompt)}
    await say(bot, "  Old  plans ", **reply)
    assert bot.telegram.sent_to(USER)[-1].text == EN.dialog_renamed_template.format(
        name="Old plans"
    )
    menu = await dialogs_menu(bot)
    assert listed(menu)[first].startswith("▶️ Old plans · ")  # opened: the current one

    await press(bot, menu, "delete", first)
    assert menu.text == EN.dialog_delete_confirm_template.format(name="Old plans")
    await press(bot, menu, "confirm", first)
    assert menu.text == EN.dialog_deleted_template.format(name="Old plans")
    menu = await dialogs_menu(bot)
    assert list(listed(menu)) == [second]
    await say(bot, "a fresh start")  # the deleted one was current: the chat starts afresh
    assert users_said(fake_groq.requests[-1]) == ["a fresh start"]


async def test_an_upgrade_keeps_the_old_history_as_a_dialog(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    old = "groqbot:v2:4242:dialog:6101"  # as the previous release wrote a chat's history
    for role, content in (("user", "old question"), ("assistant", "old answer")):
        message = {"v": 2, "role": role, "content": content, "speaker": "", "at": 1.7e9}
        await redis.rpush(old, json.dumps(message))
    await redis.aclose()
    bot = await start_bot(STORAGE_URL=redis_url)

    menu = await dialogs_menu(bot)
    [earlier] = listed(menu)
    assert listed(menu)[earlier].startswith(f"▶️ {EN.dialog_earlier} · ")
    await say(bot, "/new")
    await say(bot, "a new start")
    assert users_said(fake_groq.requests[-1]) == ["a new start"]
    menu = await dialogs_menu(bot)
    [_, earlier] = listed(menu)
    await press(bot, menu, "open", earlier)
    await say(bot, "back to it")
    assert users_said(fake_groq.requests[-1]) == ["old question", "back to it"]


async def test_a_resume_on_one_replica_is_seen_by_the_next_message_on_another(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    replicas = [await start_replica(STORAGE_URL=redis_url) for _ in range(2)]

    async def post(replica: int, text: str, count: int) -> None:
        update = fake_telegram.message_update(USER, text)
        assert await replicas[replica].post(update) == 200
        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(USER)) >= count)

    await post(0, "rivers flow", 1)
    await post(1, "/new", 2)
    await post(0, "mountains stand", 3)
    await post(1, "/dialogs", 4)
    menu = fake_telegram.sent_to(USER)[-1]
    [_, rivers] = listed(menu)
    press = DialogButton(action="open", dialog=rivers, owner=USER).pack()
    assert await replicas[1].post(fake_telegram.press(USER, menu, press)) == 200
    await fake_telegram.wait_until(lambda: menu.text.startswith(EN.dialog_resumed_template[:10]))
    await post(0, "and lakes?", 5)
    assert users_said(fake_groq.requests[-1]) == ["rivers flow", "and lakes?"]


async def test_in_a_group_only_admins_list_and_resume_its_dialogs(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    group, admin, member = -100_777, 6201, 6202
    bot = await start_bot()
    tg = bot.telegram
    tg.admins.add((group, admin))

    async def said(user: int, text: str, count: int, **extra: Any) -> SentMessage:
        tg.push(tg.group_update(user, text, chat_id=group, **extra))
        await tg.wait_until(lambda: len(tg.sent_to(group)) >= count)
        return tg.sent_to(group)[-1]

    await said(member, "@test_bot tides turn", 1)
    await bot.settled(group)
    assert (await said(member, "/dialogs", 2)).text == EN.admins_only
    await said(admin, "/new", 3)
    await bot.settled(group)
    await said(member, "@test_bot winds blow", 4)
    await bot.settled(group)
    menu = await said(admin, "/dialogs", 5)
    [_, tides] = listed(menu)
    answered = len(tg.callback_answers)
    tg.press(member, menu, DialogButton(action="open", dialog=tides, owner=member).pack())
    await tg.wait_until(lambda: len(tg.callback_answers) > answered)
    assert tg.callback_answers[-1]["text"] == EN.admins_only  # a member's own forged press
    tg.press(admin, menu, DialogButton(action="open", dialog=tides, owner=admin).pack())
    await tg.wait_until(lambda: menu.text.startswith(EN.dialog_resumed_template[:10]))
    await said(member, "@test_bot and the sea?", 6)
    assert users_said(fake_groq.requests[-1]) == ["User: tides turn", "User: and the sea?"]


async def test_in_topic_mode_each_new_dialog_is_a_topic_titled_after_its_first_answer(
    start_bot: StartBot, fake_telegram: FakeTelegram, fake_groq: FakeGroq, storage: str
) -> None:
    fake_telegram.topics_enabled = True  # the bot's topic mode, as getMe reports it
    fake_groq.responder = titles_or_echo
    bot = await start_bot(STORAGE_URL=storage, DIALOG_TITLES="true")
    tg = bot.telegram

    async def new_topic() -> int:
        known, before = set(tg.topics), len(tg.sent_to(USER))
        tg.push(tg.message_update(USER, "/new"))
        await bot.replies(USER, before + 2)  # a greeting in the topic, a note in the chat
        [(_, thread)] = set(tg.topics) - known
        return thread

    async def in_topic(thread: int, text: str) -> None:
        before = len(tg.sent_to(USER))
        tg.push(tg.private_topic_update(USER, text, thread_id=thread))
        await bot.replies(USER, before + 1)
        await bot.settled_topic(USER, thread)

    alpha = await new_topic()
    assert tg.sent_to(USER)[-1].text == EN.dialog_topic_opened
    assert [m.thread_id for m in tg.sent_to(USER)[-2:]] == [alpha, None]  # greeted in it
    await in_topic(alpha, "alpha one")
    beta = await new_topic()
    await in_topic(beta, "beta one")
    await in_topic(alpha, "alpha two")
    assert users_said(fake_groq.requests[-1]) == ["alpha one", "alpha two"]
    assert tg.sent_to(USER)[-1].thread_id == alpha  # answered in its topic
    await tg.wait_until(lambda: (USER, alpha, "Title alpha") in tg.topic_edits)
    await tg.wait_until(lambda: (USER, beta, "Title beta") in tg.topic_edits)

    menu = await dialogs_menu(bot)
    assert menu.reply_markup is not None
    buttons = [row[0] for row in menu.reply_markup["inline_keyboard"]]
    assert [b["text"].split(" · ")[0] for b in buttons] == ["Title beta", "Title alpha"]
    answered = len(tg.callback_answers)
    tg.press(USER, menu, buttons[1]["callback_data"])
    await tg.wait_until(lambda: len(tg.callback_answers) > answered)
    pointer = tg.sent_to(USER)[-1]
    assert (pointer.text, pointer.thread_id) == (EN.dialog_topic_here, alpha)


async def test_a_message_right_after_the_press_continues_the_dialog_opened(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    await say(bot, "tea is warm")
    await say(bot, "/new")
    await say(bot, "coffee is strong")
    menu = await dialogs_menu(bot)
    [_, tea] = listed(menu)
    fake_groq.latency = 0.3  # the menu's answer and the message race in the outbox's time
    bot.telegram.press(USER, menu, DialogButton(action="open", dialog=tea, owner=USER).pack())
    await say(bot, "and green tea?")  # sent at once, not after the menu changed
    assert users_said(fake_groq.requests[-1]) == ["tea is warm", "and green tea?"]
