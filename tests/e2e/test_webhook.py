"""Webhook mode: updates posted with the secret are answered; without it, 401 and nothing."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.e2e.conftest import HOOK_PATH, WEBHOOK_SECRET, StartBot, StartReplica
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.log_capture import captured_logs


async def test_webhook_answers_updates_with_the_secret_and_refuses_others(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    replica = await start_replica()
    [registered] = [p for m, p in fake_telegram.calls if m == "setWebhook"]
    assert registered["url"] == f"{replica.base}{HOOK_PATH}"
    assert registered["secret_token"] == WEBHOOK_SECRET
    assert str(registered["max_connections"]) == "1"
    async with aiohttp.ClientSession() as http, http.get(f"{replica.base}/healthz") as alive:
        assert alive.status == 200

    intruder = fake_telegram.message_update(70, "let me in")
    assert await replica.post(intruder, secret="wrong") == 401
    for n in range(3):
        assert await replica.post(fake_telegram.message_update(71, f"hook {n}")) == 200

    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(71)) >= 3)
    assert [m.text for m in fake_telegram.sent_to(71)] == [f"reply to: hook {n}" for n in range(3)]
    assert fake_telegram.sent_to(70) == []
    assert all("let me in" not in str(r["messages"]) for r in fake_groq.requests)


async def test_polling_after_webhook_mode_removes_the_webhook(
    start_bot: StartBot, fake_telegram: FakeTelegram
) -> None:
    """Telegram refuses getUpdates (409) while a webhook is set, e.g. one left by webhook mode."""
    fake_telegram.webhook_url = "https://bot.example/telegram/hook"
    bot = await start_bot()
    bot.telegram.send_text(31, "still there?")
    assert await bot.replies(31, 1) == ["reply to: still there?"]
    assert fake_telegram.webhook_url is None
    methods = [method for method, _ in fake_telegram.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    [(_, params)] = [call for call in fake_telegram.calls if call[0] == "deleteWebhook"]
    assert str(params.get("drop_pending_updates", "false")).lower() == "false"  # updates kept


async def test_a_non_ascii_secret_is_refused_without_a_traceback(
    start_replica: StartReplica, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """A header Telegram never sends, from anyone who finds the URL: 401, like a wrong one."""
    with captured_logs("DEBUG", tmp_path / "logs") as logs:
        replica = await start_replica()
        intruder = fake_telegram.message_update(72, "let me in")
        assert await replica.post(intruder, secret="сек-рет-ключ-тест") == 401
        assert await replica.post(intruder, secret=WEBHOOK_SECRET + "é") == 401
        text = logs.text()
    assert "Traceback" not in text and "Error handling request" not in text
    assert fake_telegram.sent_to(72) == []
