"""Refusals cost the others nothing: a flooding stranger is told once and holds no one up,
button presses included; commands addressed to another bot in a group are not ours."""

from __future__ import annotations

from bot.chat_settings.menu import SettingsButton
from bot.chat_settings.model import read
from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.fsm import chat_context
from bot.texts import EN
from tests.e2e.conftest import RunningBot, StartBot, StartReplica
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

ALLOWED, STRANGER = 61, 62


async def test_a_flooding_stranger_is_refused_once_and_delays_no_one(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ALLOWED_USER_IDS=str(ALLOWED), RATE_LIMIT_WINDOW="600")
    bot.telegram.call_delay = 0.05  # a slow Telegram: each call waited for is felt by all
    flood = [bot.telegram.message_update(STRANGER, f"spam {n}") for n in range(40)]
    bot.telegram.push(*flood, bot.telegram.message_update(ALLOWED, "hello"))
    assert await bot.replies(ALLOWED, 1) == ["reply to: hello"]
    await bot.stop()  # notices still under way are finished or cancelled here
    assert [m.text for m in bot.telegram.sent_to(STRANGER)] == [EN.not_allowed]
    assert len(fake_groq.requests) == 1


async def test_a_refusal_telegram_is_slow_to_take_holds_up_no_one(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ALLOWED_USER_IDS=str(ALLOWED))
    bot.telegram.hold("sendMessage")
    bot.telegram.send_text(STRANGER, "let me in")
    bot.telegram.send_text(ALLOWED, "hello")
    await fake_groq.wait_for_requests(1)  # while the stranger's refusal is still being sent
    assert [m for m in bot.telegram.sent_to(STRANGER)] == []
    bot.telegram.let_go()
    assert await bot.replies(STRANGER, 1) == [EN.not_allowed]
    assert await bot.replies(ALLOWED, 1) == ["reply to: hello"]


async def test_the_rate_limit_notice_comes_once_a_window(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(RATE_LIMIT_MESSAGES="2", RATE_LIMIT_WINDOW="600")
    for n in range(8):
        bot.telegram.send_text(63, f"m{n}")
    bot.telegram.send_text(64, "other user")
    assert await bot.replies(64, 1) == ["reply to: other user"]
    await bot.replies(63, 3)
    await bot.stop()
    assert sorted(m.text for m in bot.telegram.sent_to(63)) == sorted(
        [EN.rate_limited, "reply to: m0", "reply to: m1"]
    )


async def test_a_full_inbox_is_told_once_a_window(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.hold()
    bot = await start_bot(INBOX_SIZE="2", RATE_LIMIT_WINDOW="600")
    for n in range(6):
        bot.telegram.send_text(65, f"m{n}")
    await bot.replies(65, 1)
    fake_groq.let_go()
    await bot.replies(65, 3)
    await bot.settled(65)
    await bot.stop()
    assert [m.text for m in bot.telegram.sent_to(65)] == [
        EN.inbox_full(2),
        "reply to: m0",
        "reply to: m1",
    ]


async def test_commands_for_another_bot_in_a_group_are_not_ours(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    group = -700
    for text in ["/help@other_bot", "/frobnicate@other_bot", "/start@OtherBot hi"]:
        bot.telegram.send_text(66, text, chat_id=group)
    bot.telegram.send_text(66, "/help@test_bot", chat_id=group)
    bot.telegram.send_text(66, "/frobnicate@Test_Bot", chat_id=group)
    bot.telegram.send_text(66, "@test_bot hello", chat_id=group)
    replies = await bot.replies(group, 3)
    await bot.settled(group)
    await bot.stop()
    assert replies[0].startswith(EN.help) and replies[1] == EN.unknown_command
    assert len(bot.telegram.sent_to(group)) == 3
    assert len(fake_groq.requests) == 1


async def test_a_stranger_commanding_another_bot_in_a_group_hears_nothing_from_us(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ALLOWED_USER_IDS=str(ALLOWED))
    bot.telegram.send_text(STRANGER, "/start@other_bot", chat_id=-701)
    bot.telegram.send_text(STRANGER, "/start@test_bot", chat_id=-702)
    assert await bot.replies(-702, 1) == [EN.not_allowed]
    await bot.stop()
    assert bot.telegram.sent_to(-701) == []


async def test_replicas_share_one_rate_limit_budget(
    start_replica: StartReplica, fake_groq: FakeGroq, fake_telegram: FakeTelegram, redis_url: str
) -> None:
    env = {"STORAGE_URL": redis_url, "RATE_LIMIT_MESSAGES": "2", "RATE_LIMIT_WINDOW": "600"}
    replicas = [await start_replica(**env), await start_replica(**env)]
    for n in range(4):  # alternately: each replica sees two of the user's four messages
        assert await replicas[n % 2].post(fake_telegram.message_update(67, f"m{n}")) == 200
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(67)) >= 4)
    texts = sorted(m.text for m in fake_telegram.sent_to(67))
    # one budget of two; each replica tells the user once (notices are per process)
    assert texts == sorted(["reply to: m0", "reply to: m1", EN.rate_limited, EN.rate_limited])
    assert len(fake_groq.requests) == 2


async def settings_of(bot: RunningBot, chat_id: int) -> ChatSettings:
    return await read(chat_context(bot.dp.storage, ChatKey(bot.bot.id, chat_id, None)))


async def test_a_strangers_button_press_changes_nothing_and_is_told(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """A menu forwarded to a stranger, pressed as it is or with callback data of their own
    making (Telegram lets a client send any): the allow-list holds for presses too."""
    bot = await start_bot(ALLOWED_USER_IDS=str(ALLOWED))
    bot.telegram.send_text(ALLOWED, "/settings")
    await bot.replies(ALLOWED, 1)
    menu = bot.telegram.sent_to(ALLOWED)[0]
    before = menu.text
    search = SettingsButton(action="search", owner=ALLOWED, revision=0)
    bot.telegram.press(STRANGER, menu, search.pack())
    claimed = search.model_copy(update={"owner": STRANGER})
    bot.telegram.press(STRANGER, menu, claimed.pack())
    bot.telegram.send_text(ALLOWED, "hello")  # dispatched after both presses
    await bot.replies(ALLOWED, 2)
    await bot.stop()
    assert [a.get("text") for a in bot.telegram.callback_answers] == [EN.not_allowed]
    assert str(bot.telegram.callback_answers[0].get("show_alert", "false")).lower() == "false"
    assert bot.telegram.edits == [] and menu.text == before
    assert await settings_of(bot, ALLOWED) == ChatSettings()


async def test_presses_over_the_rate_limit_are_refused_and_hold_up_no_one(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """A hundred presses of one's own menu, each a few Telegram calls when let through."""
    bot = await start_bot(RATE_LIMIT_MESSAGES="3", RATE_LIMIT_WINDOW="600")
    bot.telegram.send_text(63, "/settings")  # the first of the user's three
    await bot.replies(63, 1)
    menu = bot.telegram.sent_to(63)[0]
    bot.telegram.call_delay = 0.05  # a slow Telegram: each call waited for is felt by all
    reasoning = SettingsButton(action="reasoning", owner=63, revision=0).pack()
    for _ in range(100):
        bot.telegram.press(63, menu, reasoning)
    bot.telegram.send_text(64, "other user")
    assert await bot.replies(64, 1, timeout=2) == ["reply to: other user"]
    await bot.telegram.wait_until(
        lambda: EN.press_rate_limited in [a.get("text") for a in bot.telegram.callback_answers]
    )
    await bot.stop()
    answers = [a.get("text") for a in bot.telegram.callback_answers]
    assert answers.count(EN.press_rate_limited) == 1  # told once a window
    assert len(answers) == 3  # the two presses let through, and the one refusal told
    assert (await settings_of(bot, 63)).revision == 1  # the second press was stale
