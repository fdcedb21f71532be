"""Dialogs kept in Redis: a history written by the previous release is kept as a dialog, and
a dialog resumed on one replica is the one the next message continues on another."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from bot.handlers.dialog_menu import DialogButton
from bot.texts import EN
from tests.e2e.conftest import StartBot, StartReplica
from tests.e2e.dialog_helpers import USER, dialogs_menu, listed, press, say, users_said
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram


async def test_an_upgrade_keeps_the_old_history_as_a_dialog(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    old = "groqbot:v2:4242:dialog:6101"  # as the previous release wrote a chat's history
    for role, content in (("user", "old question"), ("assistant", "old answer")):
        message = {"v": 2, "role": role, "content": content, "speaker": "", "at": 1.7e9}
        await redis.rpush(old, json.dumps(message))
    await redis.aclose()
    bot = await start_bot(STORAGE_URL=redis_url)

    menu = await dialogs_menu(bot)
    [earlier] = listed(menu)
    assert listed(menu)[earlier].startswith(f"▶️ {EN.dialog_earlier} · ")
    await say(bot, "/new")
    await say(bot, "a new start")
    assert users_said(fake_groq.requests[-1]) == ["a new start"]
    menu = await dialogs_menu(bot)
    [_, earlier] = listed(menu)
    await press(bot, menu, "open", earlier)
    await say(bot, "back to it")
    assert users_said(fake_groq.requests[-1]) == ["old question", "back to it"]


async def test_a_resume_on_one_replica_is_seen_by_the_next_message_on_another(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    replicas = [await start_replica(STORAGE_URL=redis_url) for _ in range(2)]

    async def post(replica: int, text: str, count: int) -> None:
        update = fake_telegram.message_update(USER, text)
        assert await replicas[replica].post(update) == 200
        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(USER)) >= count)

    await post(0, "rivers flow", 1)
    await post(1, "/new", 2)
    await post(0, "mountains stand", 3)
    await post(1, "/dialogs", 4)
    menu = fake_telegram.sent_to(USER)[-1]
    [_, rivers] = listed(menu)
    press = DialogButton(action="open", dialog=rivers, owner=USER).pack()
    assert await replicas[1].post(fake_telegram.press(USER, menu, press)) == 200
    await fake_telegram.wait_until(lambda: menu.text.startswith(EN.dialog_resumed_template[:10]))
    await post(0, "and lakes?", 5)
    assert users_said(fake_groq.requests[-1]) == ["rivers flow", "and lakes?"]
