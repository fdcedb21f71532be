"""Dialogs where a chat has more than one person or place: in a group only admins list and
resume them; in the bot's topic mode each new dialog is a private topic, titled after its
first answer, and the menu points to it."""

from __future__ import annotations

from typing import Any

from bot.handlers.dialog_menu import DialogButton
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.dialog_helpers import USER, dialogs_menu, listed, titles_or_echo, users_said
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram, SentMessage


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
