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


GROUP_B = -1002202
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: every anonymous admin's user id
ADMIN = 2203


def as_group(chat_id: int) -> dict[str, object]:
    return {"id": chat_id, "type": "supergroup", "title": "Group"}


async def test_in_a_group_only_admins_start_over_or_export_and_never_the_operators_prompt(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(SYSTEM_PROMPT="OPERATOR-SECRET-PROMPT")
    bot.telegram.admins.add((GROUP, ADMIN))
    bot.telegram.send_text(FLOODER, "@test_bot remember 42", chat_id=GROUP)
    await bot.replies(GROUP, 1)
    await bot.settled(GROUP)
    for command in ("/start", "/export"):  # a member's: refused
        bot.telegram.send_text(FLOODER, command, chat_id=GROUP)
    assert (await bot.replies(GROUP, 3))[1:] == [EN.admins_only] * 2
    bot.telegram.send_text(FLOODER, "@test_bot what did I say?", chat_id=GROUP)
    await bot.replies(GROUP, 4)
    prompt = [m["content"] for m in fake_groq.requests[-1]["messages"][1:]]
    assert any("remember 42" in text for text in prompt)  # the dialog is intact

    bot.telegram.send_text(ADMIN, "/export", chat_id=GROUP)
    await bot.telegram.wait_until(lambda: bool(bot.telegram.documents))
    assert "OPERATOR-SECRET-PROMPT" not in bot.telegram.documents[0].content
    assert "remember 42" in bot.telegram.documents[0].content
    bot.telegram.send_text(ADMIN, "/start", chat_id=GROUP)  # an admin's: a fresh dialog
    await bot.replies(GROUP, 5)
    bot.telegram.send_text(ADMIN, "@test_bot hello", chat_id=GROUP)
    await bot.replies(GROUP, 6)
    prompt = [m["content"] for m in fake_groq.requests[-1]["messages"][1:]]
    assert not any("remember 42" in text for text in prompt)


async def test_anonymous_admins_of_two_groups_do_not_share_one_rate_limit(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(RATE_LIMIT_MESSAGES="2")
    for n in range(2):  # group A's anonymous admin spends group A's two
        bot.telegram.send_text(
            ANONYMOUS_ADMIN, f"@test_bot a{n}", chat_id=GROUP, sender_chat=as_group(GROUP)
        )
    await bot.replies(GROUP, 2)
    bot.telegram.send_text(
        ANONYMOUS_ADMIN, "@test_bot b", chat_id=GROUP_B, sender_chat=as_group(GROUP_B)
    )
    [answer] = await bot.replies(GROUP_B, 1)
    assert answer != EN.rate_limited  # group B's own count, not group A's spent one
    await bot.settled(GROUP_B)
    assert fake_groq.requests[-1]["messages"][-1]["content"].endswith(": b")
