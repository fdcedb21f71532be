"""Per-chat settings, end to end: each applies to the next request, survives a restart with
Redis, and only a group's administrators change them; /export takes the dialog along."""

from __future__ import annotations

from bot.chat_settings.menu import SettingsButton
from bot.chat_settings.model import SYSTEM_PROMPT_LIMIT
from bot.chat_settings.personas import PERSONAS
from bot.config import DEFAULT_SYSTEM_PROMPT
from bot.texts import EN, RU
from tests.e2e.conftest import RunningBot, StartBot
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import SentMessage

USER = 601
GROUP = -1003001
ADMIN, MEMBER = 602, 603


def system_of(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    return str(messages[0]["content"])


def buttons(message: SentMessage) -> dict[str, str]:
    """The inline keyboard's texts and their callback data."""
    assert message.reply_markup is not None
    rows = message.reply_markup["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def ask(bot: RunningBot, chat: int, text: str, count: int, **kwargs: object) -> str:
    """Send a message, wait for the chat's `count`-th message and return its text."""
    bot.telegram.send_text(USER if chat == USER else ADMIN, text, chat_id=chat, **kwargs)
    await bot.replies(chat, count)
    if await bot.state(chat) is not None:  # a turn ran: wait until it is committed
        await bot.settled(chat)
    return bot.telegram.sent_to(chat)[count - 1].text


async def test_model_lists_chat_models_and_switches_the_next_request(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    await ask(bot, USER, "/model", 1)
    listed = buttons(bot.telegram.sent_to(USER)[0])
    assert "✅ openai/gpt-oss-120b" in listed and "openai/gpt-oss-20b" in listed
    assert "qwen/qwen3.6-27b" in listed
    spoken = ("whisper", "orpheus", "guard")  # speech and safety models are not for chatting
    assert not any(word in text for text in listed for word in spoken)

    unknown = await ask(bot, USER, "/model gpt-17", 2)
    assert unknown.startswith(EN.model_unknown_template.split("“")[0])
    assert "openai/gpt-oss-20b" in unknown
    assert await ask(bot, USER, "/model openai/gpt-oss-20b", 3) == (
        EN.model_set_template.format(model="openai/gpt-oss-20b")
    )
    await ask(bot, USER, "hello", 4)
    assert fake_groq.requests[-1]["model"] == "openai/gpt-oss-20b"
    await ask(bot, USER, "/help", 5)
    assert "openai/gpt-oss-20b" in bot.telegram.sent_to(USER)[4].text


async def test_a_model_button_switches_the_model(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot()
    await ask(bot, USER, "/model", 1)
    menu = bot.telegram.sent_to(USER)[0]
    bot.telegram.press(USER, menu, buttons(menu)["qwen/qwen3.6-27b"])
    await bot.telegram.wait_until(lambda: bool(bot.telegram.callback_answers))
    assert "qwen/qwen3.6-27b" in menu.text  # the menu now shows the settings
    await ask(bot, USER, "hi", 2)
    assert fake_groq.requests[-1]["model"] == "qwen/qwen3.6-27b"


async def test_system_prompt_set_reset_and_too_long(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    assert await ask(bot, USER, "/system You are a pirate.", 1) == EN.system_set
    await ask(bot, USER, "ahoy", 2)
    assert system_of(fake_groq.requests[-1]) == "You are a pirate."
    too_long = await ask(bot, USER, "/system " + "x" * (SYSTEM_PROMPT_LIMIT + 1), 3)
    assert too_long == EN.system_too_long_template.format(
        length=SYSTEM_PROMPT_LIMIT + 1, limit=SYSTEM_PROMPT_LIMIT
    )
    assert await ask(bot, USER, "/system", 4) == EN.system_reset
    await ask(bot, USER, "hello", 5)
    assert system_of(fake_groq.requests[-1]) == DEFAULT_SYSTEM_PROMPT


async def test_settings_menu_persona_and_a_stale_or_foreign_button(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(USER, "/settings", language_code="ru")
    await bot.replies(USER, 1)
    menu = bot.telegram.sent_to(USER)[0]
    assert menu.text.startswith(RU.settings_template.split("\n")[0])
    coder = buttons(menu)[RU.persona_coder]
    bot.telegram.press(USER + 1, menu, coder)  # someone else's finger
    await bot.telegram.wait_until(lambda: len(bot.telegram.callback_answers) == 1)
    assert bot.telegram.callback_answers[0]["text"] == EN.menu_not_yours
    bot.telegram.press(USER, menu, coder, language_code="ru")
    await bot.telegram.wait_until(lambda: len(bot.telegram.callback_answers) == 2)
    assert "✅ " + RU.persona_coder in buttons(menu)
    stale = SettingsButton.unpack(coder).model_copy(update={"action": "search"}).pack()
    bot.telegram.press(USER, menu, stale, language_code="ru")  # drawn before the last change
    await bot.telegram.wait_until(lambda: len(bot.telegram.callback_answers) == 3)
    assert bot.telegram.callback_answers[2]["text"] == RU.menu_stale
    await ask(bot, USER, "write code", 2)
    assert system_of(fake_groq.requests[-1]) == PERSONAS["coder"].prompt
    assert fake_groq.requests[-1]["model"] == "openai/gpt-oss-120b"
    assert "tools" not in fake_groq.requests[-1]  # search still off


async def test_reasoning_is_shown_collapsed_above_the_answer_only_when_asked(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.thinking = lambda messages: "first I think"
    bot = await start_bot()
    await ask(bot, USER, "/model qwen/qwen3.6-27b", 1)
    await ask(bot, USER, "q1", 2)
    assert fake_groq.requests[-1]["reasoning_format"] == "hidden"
    assert bot.telegram.sent_to(USER)[1].text == "reply to: q1"  # no <think>, no reasoning

    await ask(bot, USER, "/settings", 3)
    menu = bot.telegram.sent_to(USER)[2]
    toggle = buttons(menu)[EN.switch_button("reasoning", on=False)]
    bot.telegram.press(USER, menu, toggle)
    await bot.telegram.wait_until(lambda: bool(bot.telegram.callback_answers))
    await ask(bot, USER, "q2", 5)
    assert fake_groq.requests[-1]["reasoning_format"] == "parsed"
    shown, answer = bot.telegram.sent_to(USER)[3:5]
    assert shown.text == f"{EN.reasoning_title}\nfirst I think"
    assert shown.entities is not None and shown.entities[0]["type"] == "expandable_blockquote"
    assert answer.text == "reply to: q2"
    history = fake_groq.requests[-1]["messages"]
    assert all("first I think" not in m["content"] for m in history)  # never stored


async def test_web_search_uses_browser_search_and_ends_with_sources(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.search_results = [{"title": "Groq docs", "url": "https://console.groq.com/docs"}]
    bot = await start_bot(STREAM_REPLIES="false")
    await ask(bot, USER, "/settings", 1)
    menu = bot.telegram.sent_to(USER)[0]
    bot.telegram.press(USER, menu, buttons(menu)[EN.switch_button("search", on=False)])
    await bot.telegram.wait_until(lambda: bool(bot.telegram.callback_answers))
    answer = await ask(bot, USER, "news?", 2)
    assert fake_groq.requests[-1]["model"] == "openai/gpt-oss-120b"
    assert fake_groq.requests[-1]["tools"] == [{"type": "browser_search"}]
    assert answer.startswith("reply to: news?") and "【" not in answer  # no citation marks
    assert answer.endswith(f"{EN.sources_heading}\n1. Groq docs")
    links = bot.telegram.sent_to(USER)[1].entities or []
    assert any(e.get("url") == "https://console.groq.com/docs" for e in links)


async def test_in_a_group_only_administrators_change_settings(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.admins.add((GROUP, ADMIN))
    bot.telegram.send_text(MEMBER, "/model openai/gpt-oss-20b", chat_id=GROUP)
    bot.telegram.send_text(MEMBER, "/system be rude", chat_id=GROUP)
    assert await bot.replies(GROUP, 2) == [EN.admins_only, EN.admins_only]
    bot.telegram.send_text(ADMIN, "/settings", chat_id=GROUP)
    await bot.replies(GROUP, 3)
    menu = bot.telegram.sent_to(GROUP)[2]
    search = SettingsButton.unpack(buttons(menu)[EN.switch_button("search", on=False)])
    forged = search.model_copy(update={"owner": MEMBER}).pack()  # the member's own menu
    bot.telegram.press(MEMBER, menu, forged)
    await bot.telegram.wait_until(lambda: bool(bot.telegram.callback_answers))
    assert bot.telegram.callback_answers[0]["text"] == EN.admins_only
    assert await ask(bot, GROUP, "/model openai/gpt-oss-20b", 4) == (
        EN.model_set_template.format(model="openai/gpt-oss-20b")
    )
    await ask(bot, GROUP, "@test_bot hi", 5)
    assert [r["model"] for r in fake_groq.requests] == ["openai/gpt-oss-20b"]


async def test_settings_survive_a_restart_and_a_removed_model_falls_back_once(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    first = await start_bot(STORAGE_URL=redis_url)
    await ask(first, USER, "/model openai/gpt-oss-20b", 1)
    await ask(first, USER, "/system Be brief.", 2)
    await first.stop()

    second = await start_bot(STORAGE_URL=redis_url)
    await ask(second, USER, "hi", 3)
    assert fake_groq.requests[-1]["model"] == "openai/gpt-oss-20b"
    assert system_of(fake_groq.requests[-1]) == "Be brief."
    await second.stop()

    fake_groq.models.remove("openai/gpt-oss-20b")  # Groq stopped listing it meanwhile
    third = await start_bot(STORAGE_URL=redis_url)
    await ask(third, USER, "still there?", 5)
    await ask(third, USER, "and now?", 6)
    texts = [m.text for m in third.telegram.sent_to(USER)[3:]]
    assert texts == [
        EN.model_removed("openai/gpt-oss-20b"),
        "reply to: still there?",
        "reply to: and now?",
    ]
    assert [r["model"] for r in fake_groq.requests[-2:]] == ["openai/gpt-oss-120b"] * 2


async def test_export_sends_the_dialog_as_markdown(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    assert await ask(bot, USER, "/export", 1) == EN.export_empty
    await ask(bot, USER, "/system Be brief.", 2)
    await ask(bot, USER, "what is Groq?", 3)
    bot.telegram.send_text(USER, "/export", language_code="ru", first_name="Anna")
    await bot.telegram.wait_until(lambda: bool(bot.telegram.documents))
    [document] = bot.telegram.documents
    assert document.filename.endswith(".md") and document.caption == RU.export_caption
    text = document.content
    assert text.startswith(f"# {RU.export_title}")
    assert "`openai/gpt-oss-120b`" in text and "> Be brief." in text
    asked, answered = text.index("**User** · "), text.index(f"**{RU.export_assistant}** · ")
    assert asked < text.index("what is Groq?") < answered < text.index("reply to: what is Groq?")


async def test_reasoning_effort_is_offered_for_the_models_that_take_one(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    await ask(bot, USER, "/settings", 1)
    menu = bot.telegram.sent_to(USER)[0]
    default = EN.button_effort_template.format(effort=EN.effort(""))
    bot.telegram.press(USER, menu, buttons(menu)[default])  # gpt-oss takes low, medium, high
    await bot.telegram.wait_until(lambda: bool(bot.telegram.callback_answers))
    assert EN.button_effort_template.format(effort=EN.effort_low) in buttons(menu)
    await ask(bot, USER, "think a little", 2)
    assert fake_groq.requests[-1]["reasoning_effort"] == "low"

    await ask(bot, USER, "/model qwen/qwen3.6-27b", 3)  # takes no effort of these
    await ask(bot, USER, "/settings", 4)
    effort_label = EN.button_effort_template.split("{")[0]
    assert not any(t.startswith(effort_label) for t in buttons(bot.telegram.sent_to(USER)[3]))
    await ask(bot, USER, "and now?", 5)
    assert "reasoning_effort" not in fake_groq.requests[-1]
    assert fake_groq.requests[-1]["reasoning_format"] == "hidden"
