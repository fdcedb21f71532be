"""Several dialogs per chat, the way a user meets them: through the real polling loop, on
memory and on Redis. /new keeps the dialog so far; /dialogs lists the chat's dialogs with
their titles; a dialog resumed continues with its own history (the model's prompt shows it);
rename and delete. Over an upgrade and across replicas: test_dialogs_in_redis.py; groups and
topics: test_dialogs_in_groups_and_topics.py."""

from __future__ import annotations

import asyncio

from bot.core.chat import ChatKey
from bot.handlers.dialog_menu import DialogButton
from bot.storage.base import DialogStore
from bot.texts import EN
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.dialog_helpers import (
    USER,
    dialogs_menu,
    listed,
    press,
    say,
    titles_or_echo,
    users_said,
)
from tests.support.fake_groq import FakeGroq


async def titled(bot: RunningBot, count: int) -> None:
    """Until `count` dialogs of the chat have their titles (asked in the background)."""
    store: DialogStore = bot.dp["dialogs"]
    key = ChatKey(bot.bot.id, USER)
    for _ in range(500):
        if sum(1 for d in await store.dialogs(key) if d.title) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the dialogs were not titled")


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
