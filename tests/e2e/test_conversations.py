"""What users meet: every message answered, in order, on its own dialog; or refused, told
once, when the inbox is full, the user is not allowed or sends too fast."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.core.fsm import ConversationStates
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.support.fake_groq import FakeGroq


async def test_rapid_messages_of_many_users_are_answered_in_order_on_their_own_history(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    rng = random.Random(7)
    fake_groq.latency = lambda: rng.uniform(0, 0.03)
    bot = await start_bot()
    users = [1001 + n for n in range(5)]
    order = [(user, n) for n in range(20) for user in users]
    rng.shuffle(order)  # interleave users, but each user's own messages stay in sequence
    sequence = {user: 0 for user in users}
    for user, _ in order:
        bot.telegram.send_text(user, f"u{user}-m{sequence[user]}")
        sequence[user] += 1

    for user in users:
        replies = await bot.replies(user, 20, timeout=60)
        assert replies == [f"reply to: u{user}-m{n}" for n in range(20)]

    assert len(fake_groq.requests) == 100
    for request in fake_groq.requests:
        turns = user_turns(request)
        owner = turns[-1].split("-")[0]
        n = len(turns) - 1
        # the whole history of that user, and of that user only, in the order it happened
        expected: list[tuple[str, str]] = []
        for k in range(n):
            expected += [("user", f"{owner}-m{k}"), ("assistant", f"reply to: {owner}-m{k}")]
        assert dialog_of(request)[1:] == [*expected, ("user", f"{owner}-m{n}")]
        assert dialog_of(request)[0][0] == "system"


async def test_replies_quote_their_message_only_when_several_are_waiting(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    single = bot.telegram.send_text(11, "alone")
    await bot.replies(11, 1)
    assert bot.telegram.sent_to(11)[0].reply_to_message_id is None

    fake_groq.latency = 0.1
    burst = [bot.telegram.send_text(11, f"q{n}") for n in range(3)]
    await bot.replies(11, 4)
    quoted = [m.reply_to_message_id for m in bot.telegram.sent_to(11)[1:]]
    assert quoted == [u["message"]["message_id"] for u in burst]
    assert single["message"]["message_id"] not in quoted


async def test_state_is_awaiting_reply_while_turns_are_pending_then_idle(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 0.5
    bot = await start_bot()
    bot.telegram.send_text(12, "slow one")
    await fake_groq.wait_for_requests(1)
    assert await bot.state(12) == ConversationStates.awaiting_reply.state
    await bot.replies(12, 1)
    await asyncio.sleep(0.05)
    assert await bot.state(12) == ConversationStates.idle.state


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_a_full_inbox_refuses_with_a_notice_and_loses_nothing_it_accepted(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str, request: pytest.FixtureRequest
) -> None:
    fake_groq.latency = 0.3
    url = request.getfixturevalue("redis_url") if storage == "redis" else "memory://"
    bot = await start_bot(INBOX_SIZE="2", STORAGE_URL=url)
    updates = [bot.telegram.send_text(13, f"m{n}") for n in range(5)]
    await bot.replies(13, 3)
    await bot.settled(13)
    sent = bot.telegram.sent_to(13)
    # two may wait (the one in progress counts); the 3rd to 5th are refused, told once, quoted
    refusals = [m.reply_to_message_id for m in sent if m.text == EN.inbox_full(2)]
    assert refusals == [updates[2]["message"]["message_id"]]
    assert [m.text for m in sent if m.text != EN.inbox_full(2)] == ["reply to: m0", "reply to: m1"]


async def test_an_idle_actor_stops_and_the_next_message_continues_the_dialog(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ACTOR_IDLE_TIMEOUT="0.2")
    bot.telegram.send_text(14, "first")
    await bot.replies(14, 1)
    assert len(bot.conversations.placement) == 1
    for _ in range(100):
        if len(bot.conversations.placement) == 0:
            break
        await asyncio.sleep(0.05)
    assert len(bot.conversations.placement) == 0
    bot.telegram.send_text(14, "second")
    assert await bot.replies(14, 2) == ["reply to: first", "reply to: second"]
    assert user_turns(fake_groq.requests[-1]) == ["first", "second"]


async def test_allow_list_refuses_strangers(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot(ALLOWED_USER_IDS="19")
    bot.telegram.send_text(20, "let me in")
    bot.telegram.send_text(19, "hello")
    assert await bot.replies(20, 1) == [EN.not_allowed]
    assert await bot.replies(19, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 1


async def test_per_user_rate_limit(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot(RATE_LIMIT_MESSAGES="2", RATE_LIMIT_WINDOW="60")
    for n in range(3):
        bot.telegram.send_text(21, f"m{n}")
    bot.telegram.send_text(22, "other user")
    replies = await bot.replies(21, 3)
    assert sorted(replies) == sorted([EN.rate_limited, "reply to: m0", "reply to: m1"])
    assert await bot.replies(22, 1) == ["reply to: other user"]
