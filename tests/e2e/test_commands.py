"""The commands and buttons a user meets: /start and the new-dialog button reset the dialog,
/help, unknown commands and non-text messages, /cancel, /retry, and the command menus
registered in English and Russian."""

from __future__ import annotations

import asyncio

from bot.core.fsm import ConversationStates
from bot.texts import EN, RU
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.support.fake_groq import FakeGroq


async def test_start_resets_the_dialog_and_greets_by_name(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(5, "remember: my cat is Tom")
    await bot.replies(5, 1)
    bot.telegram.send_text(5, "/start", first_name="Anna")
    await bot.replies(5, 2)
    greeting = bot.telegram.sent_to(5)[1]
    assert greeting.text == EN.greeting("Anna")
    assert greeting.reply_markup is not None
    bot.telegram.send_text(5, "what is my cat's name?")
    await bot.replies(5, 3)
    assert dialog_of(fake_groq.requests[-1])[1:] == [("user", "what is my cat's name?")]


async def test_new_dialog_button_in_russian_resets_and_answers_in_russian(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(6, "привет", language_code="ru")
    await bot.replies(6, 1)
    bot.telegram.send_text(6, RU.button_new_dialog, language_code="ru")
    replies = await bot.replies(6, 2)
    assert replies[1] == RU.new_dialog
    bot.telegram.send_text(6, "снова", language_code="ru")
    await bot.replies(6, 3)
    assert user_turns(fake_groq.requests[-1]) == ["снова"]


async def test_commands_help_unknown_and_non_text(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(15, "/help")
    bot.telegram.send_text(15, EN.button_help)
    bot.telegram.send_text(15, "/frobnicate")
    location = {"latitude": 55.75, "longitude": 37.62}  # photos are read now (test_media.py)
    bot.telegram.push(bot.telegram.message_update(15, location=location))
    bot.telegram.push(bot.telegram.message_update(15, sticker=_sticker()))
    help_ = EN.help + EN.help_model_template.format(model="openai/gpt-oss-120b")
    assert await bot.replies(15, 5) == [
        help_,
        help_,
        EN.unknown_command,
        EN.non_text,
        EN.non_text,
    ]
    assert fake_groq.requests == []


def _sticker() -> dict[str, object]:
    return {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }


async def test_service_messages_get_no_answer(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot()
    joined = {"id": 26, "is_bot": False, "first_name": "New"}
    bot.telegram.push(bot.telegram.message_update(25, chat_id=-100, new_chat_members=[joined]))
    bot.telegram.push(bot.telegram.message_update(25, location={"latitude": 1, "longitude": 2}))
    assert await bot.replies(25, 1) == [EN.non_text]
    assert bot.telegram.sent_to(-100) == []


async def test_cancel_stops_the_answer_and_drops_the_queue(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 2.0
    bot = await start_bot()
    first = bot.telegram.send_text(30, "m0")
    for n in range(1, 4):
        bot.telegram.send_text(30, f"m{n}")
    await fake_groq.wait_for_requests(1)
    bot.telegram.send_text(30, "/cancel")
    replies = await bot.replies(30, 2)
    assert EN.cancelled(stopped=True, dropped=3) in replies
    stopped = next(m for m in bot.telegram.sent_to(30) if m.text == EN.stopped)
    assert stopped.reply_to_message_id == first["message"]["message_id"]
    assert len(fake_groq.requests) == 1  # the dropped messages never reached the model
    await asyncio.sleep(0.05)
    assert await bot.state(30) == ConversationStates.idle.state

    fake_groq.latency = 0
    bot.telegram.send_text(30, "/cancel")
    assert (await bot.replies(30, 3))[2] == EN.cancel_nothing
    bot.telegram.send_text(30, "fresh")
    assert (await bot.replies(30, 4))[3] == "reply to: fresh"
    assert user_turns(fake_groq.requests[-1]) == ["fresh"]  # a stopped turn left nothing


async def test_retry_replaces_the_last_answer(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    versions = iter(["first take", "second take", "about next"])
    fake_groq.responder = lambda messages: next(versions)
    bot = await start_bot()
    bot.telegram.send_text(31, "/retry")
    assert await bot.replies(31, 1) == [EN.retry_nothing]
    bot.telegram.send_text(31, "question")
    await bot.replies(31, 2)
    bot.telegram.send_text(31, "/retry")
    assert (await bot.replies(31, 3))[1:] == ["first take", "second take"]
    assert dialog_of(fake_groq.requests[-1])[1:] == [("user", "question")]
    bot.telegram.send_text(31, "next")
    await bot.replies(31, 4)
    assert dialog_of(fake_groq.requests[-1])[1:] == [
        ("user", "question"),
        ("assistant", "second take"),
        ("user", "next"),
    ]


async def test_commands_are_registered_in_english_and_russian(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    registered = [params for method, params in bot.telegram.calls if method == "setMyCommands"]
    by_menu = {(p.get("language_code"), p["scope"]["type"]): p["commands"] for p in registered}
    scopes = {"all_private_chats", "all_group_chats"}
    assert set(by_menu) == {(language, scope) for language in (None, "ru") for scope in scopes}
    for (language, _), commands in by_menu.items():
        assert [c["command"] for c in commands] == [
            *("start", "help", "cancel", "retry", "settings", "model", "system", "export"),
            *("usage", "new", "dialogs"),
        ]
        texts = RU if language == "ru" else EN
        assert commands[2]["description"] == texts.command_cancel
        assert commands[7]["description"] == texts.command_export
