"""One user cannot hold up the others (issue 22): a flood of commands, whose replies Telegram's
limits pace to one a second in a chat, never delays another user's answer. Tests here wait
for the other user with a deadline; they do not time anything."""

from __future__ import annotations

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq

FLOODER, OTHER, GROUP = 2201, 2202, -1002201


async def test_thirty_help_commands_do_not_hold_another_users_answer(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(TELEGRAM_PACING="true", RATE_LIMIT_MESSAGES="0")
    bot.telegram.enforce_limits()  # Telegram's own: 30/s, 20/min a group, 3 in 3 s a chat
    for _ in range(30):
        bot.telegram.send_text(FLOODER, "/help")
    bot.telegram.send_text(OTHER, "are you there?")
    assert await bot.replies(OTHER, 1, timeout=2) == ["reply to: are you there?"]
    await bot.replies(FLOODER, 4)  # the flooder's own go out too, paced (3 in 3 s a chat)
    assert all(m.text.startswith(EN.help) for m in bot.telegram.sent_to(FLOODER))
    assert bot.telegram.refused == {}  # paced, not refused


async def test_a_group_flooding_its_commands_does_not_hold_a_private_chat(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(TELEGRAM_PACING="true", RATE_LIMIT_MESSAGES="0")
    bot.telegram.enforce_limits()
    for n in range(25):  # over a group's 20 a minute
        bot.telegram.send_text(FLOODER + n, "/help@test_bot", chat_id=GROUP)
    bot.telegram.send_text(OTHER, "and me?")
    assert await bot.replies(OTHER, 1, timeout=2) == ["reply to: and me?"]
