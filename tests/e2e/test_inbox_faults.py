"""A durable inbox entry cannot wedge its chat: one this release cannot read (corrupt, or written
by a newer release before a rollback) and one that crashed the bot twice are each skipped with
a notice, and the chat goes on (docs/architecture.md, "What one user cannot do to the others")."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

from redis.asyncio import Redis

from bot.core.turn import Turn
from bot.texts import EN, RU
from tests.e2e.conftest import StartBot, bot_environment
from tests.e2e.process_helpers import clean_env, start_process
from tests.e2e.prompt_helpers import user_turns
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.log_capture import captured_logs

ROOT = "groqbot:v2:4242"  # the default prefix, layout 2, the tests' bot id
SECRET = "PIN 4471 of the newer release"


def good(chat: int, message_id: int, text: str) -> str:
    """A turn as this release writes it into the inbox."""
    return Turn(chat, chat, message_id, text, language_code="en").encode()


async def fill_inbox(
    url: str, chat: int, entries: list[tuple[int, str]], attempts: dict[int, int] | None = None
) -> None:
    """Entries written into the chat's stream as a replica would (id `<message id>-1`), and
    the attempts earlier replicas made at them, as they count them."""
    redis = Redis.from_url(url)
    try:
        for message_id, body in entries:
            await redis.xadd(f"{ROOT}:inbox:{chat}", {"turn": body}, id=f"{message_id}-1")
        await redis.sadd(f"{ROOT}:inboxes", str(chat))
        for message_id, count in (attempts or {}).items():
            await redis.hset(f"{ROOT}:attempts:{chat}", f"{message_id}-1", count)
    finally:
        await redis.aclose()


def message_ids(telegram: FakeTelegram, chat: int, count: int) -> list[int]:
    """Ids of messages the user sent before the bot started (the fake numbers them all)."""
    return [telegram.message_update(chat, "")["message"]["message_id"] for _ in range(count)]


async def inbox_left(url: str, chat: int) -> int:
    redis = Redis.from_url(url)
    try:
        return int(await redis.xlen(f"{ROOT}:inbox:{chat}"))
    finally:
        await redis.aclose()


async def test_unreadable_entries_are_skipped_with_a_notice_and_the_rest_answered_in_order(
    start_bot: StartBot,
    fake_telegram: FakeTelegram,
    fake_groq: FakeGroq,
    redis_url: str,
    tmp_path: Path,
) -> None:
    first, corrupt, rolled_back, incomplete, last = message_ids(fake_telegram, 70, 5)
    newer = {"v": 99, "chat_id": 70, "user_id": 70, "message_id": rolled_back}
    missing = {"v": 3, "user_id": 70, "message_id": incomplete, "text": SECRET}  # no chat id
    entries = [
        (first, good(70, first, "before")),
        (corrupt, "{not json, " + SECRET),
        (rolled_back, json.dumps({**newer, "text": SECRET, "language_code": "ru", "new": 1})),
        (incomplete, json.dumps(missing)),
        (last, good(70, last, "after")),
    ]
    await fill_inbox(redis_url, 70, entries)
    with captured_logs("DEBUG", tmp_path / "logs") as logs:
        bot = await start_bot(STORAGE_URL=redis_url)  # its sweep finds the chat's turns
        sent = await bot.replies(70, 5)
        assert sent == [
            "reply to: before",
            EN.inbox_unreadable,
            RU.inbox_unreadable,  # a newer release's entry still says the user's language
            EN.inbox_unreadable,
            "reply to: after",
        ]
        notices = bot.telegram.sent_to(70)[1:4]
        assert [m.reply_to_message_id for m in notices] == [corrupt, rolled_back, incomplete]
        await bot.settled(70)

        bot.telegram.send_text(70, "later")  # the chat goes on, on the dialog it had
        assert (await bot.replies(70, 6))[5] == "reply to: later"
        assert user_turns(fake_groq.requests[-1]) == ["before", "after", "later"]
        await bot.settled(70)
        await bot.stop()
        text = logs.text()
    assert await inbox_left(redis_url, 70) == 0
    for entry in (corrupt, rolled_back, incomplete):  # one line each (console and file alike)
        [line] = {line for line in text.splitlines() if f"entry={entry}-1 " in line}
        assert "chat=70" in line
    assert SECRET not in text and "4471" not in text


async def test_start_works_while_an_unreadable_entry_waits(
    start_bot: StartBot, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    bot = await start_bot(STORAGE_URL=redis_url)
    fake_groq.hold()
    fake_telegram.send_text(71, "first")
    await fake_groq.wait_for_held(1)  # the chat's actor is busy; what comes next waits
    poisoned = fake_telegram.message_update(71, "never sent")["message"]["message_id"]
    await fill_inbox(redis_url, 71, [(poisoned, "{broken")])

    fake_telegram.send_text(71, "/start")
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(71)) >= 1)
    assert fake_telegram.sent_to(71)[0].text == EN.greeting("User")
    fake_groq.let_go()
    await bot.settled(71)

    fake_telegram.send_text(71, "after the reset")
    await fake_telegram.wait_until(
        lambda: "reply to: after the reset" in [m.text for m in fake_telegram.sent_to(71)]
    )
    assert user_turns(fake_groq.requests[-1]) == ["after the reset"]
    await bot.settled(71)
    assert await inbox_left(redis_url, 71) == 0


async def test_a_turn_started_twice_without_an_end_is_skipped_with_a_notice(
    start_bot: StartBot, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    twice, once = message_ids(fake_telegram, 72, 2)
    entries = [(twice, good(72, twice, "crashed twice")), (once, good(72, once, "crashed once"))]
    await fill_inbox(redis_url, 72, entries, attempts={twice: 2, once: 1})
    bot = await start_bot(STORAGE_URL=redis_url)
    assert await bot.replies(72, 2) == [EN.inbox_gave_up, "reply to: crashed once"]
    assert bot.telegram.sent_to(72)[0].reply_to_message_id == twice
    await bot.settled(72)

    bot.telegram.send_text(72, "next")
    assert (await bot.replies(72, 3))[2] == "reply to: next"
    assert user_turns(fake_groq.requests[-1]) == ["crashed once", "next"]
    assert all("crashed twice" not in str(r["messages"]) for r in fake_groq.requests)


async def test_a_message_that_kills_the_bot_twice_is_dropped_at_the_third_start(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    """As an OOM kill in the middle of a media turn would: the process dies with the turn."""
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, STORAGE_URL=redis_url, LEASE_TTL="1")
    )
    fake_groq.hold()  # every start gets as far as the model call, and is killed there
    fake_telegram.send_text(73, "the heavy one")
    for attempt in (1, 2):
        process = await start_process(tmp_path, env)
        try:
            await fake_groq.wait_for_requests(attempt, timeout=30)
        finally:
            process.kill()
            await process.communicate()
    assert fake_telegram.sent_to(73) == []
    fake_groq.let_go()

    process = await start_process(tmp_path, env)
    try:
        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(73)) >= 1, timeout=30)
        fake_telegram.send_text(73, "a lighter one")
        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(73)) >= 2, timeout=30)
        await asyncio.sleep(0.5)  # the heavy one, if it were tried again, would show up here
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=20)
    sent = fake_telegram.sent_to(73)
    assert [m.text for m in sent] == [EN.inbox_gave_up, "reply to: a lighter one"]
    assert len(fake_groq.requests) == 3  # two killed attempts, then the lighter one
    assert user_turns(fake_groq.requests[-1]) == ["a lighter one"]
