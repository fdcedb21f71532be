"""Driving the /dialogs menu as a user does, for the tests of several dialogs per chat: say
something and wait for its answer, open the menu, read its dialogs, press its buttons."""

from __future__ import annotations

from typing import Any

from bot.handlers.dialog_menu import DialogButton
from tests.e2e.conftest import RunningBot
from tests.support.fake_groq import Messages, echo_last_user, text_of
from tests.support.fake_telegram import SentMessage

USER = 6101


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
