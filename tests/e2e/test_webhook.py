"""Webhook mode: updates posted with the secret are answered; without it, 401 and nothing."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_bot, build_dispatcher, build_model, webhook_app
from bot.config import Settings
from bot.webhook import serve
from tests.e2e.conftest import bot_environment
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_answers_updates_with_the_secret_and_refuses_others(
    fake_telegram: FakeTelegram,
    fake_groq: FakeGroq,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = bot_environment(
        fake_telegram,
        fake_groq,
        WEBHOOK_URL=f"{base}/telegram/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    bot = build_bot(settings)
    dp = build_dispatcher(settings, bot, build_model(settings))
    stop = asyncio.Event()
    server = asyncio.create_task(serve(webhook_app(settings, dp, bot), "127.0.0.1", port, stop))
    try:
        await fake_telegram.wait_until(
            lambda: any(method == "setWebhook" for method, _ in fake_telegram.calls)
        )
        [registered] = [p for m, p in fake_telegram.calls if m == "setWebhook"]
        assert registered["url"] == f"{base}/telegram/hook"
        assert registered["secret_token"] == SECRET
        assert str(registered["max_connections"]) == "1"

        async with aiohttp.ClientSession() as http:
            assert (await http.get(f"{base}/healthz")).status == 200
            assert (await http.get(f"{base}/readyz")).status == 200

            intruder = fake_telegram.message_update(70, "let me in")
            refused = await http.post(
                f"{base}/telegram/hook",
                data=json.dumps(intruder),
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": "wrong",
                    "Content-Type": "application/json",
                },
            )
            assert refused.status == 401

            for n in range(3):
                update = fake_telegram.message_update(71, f"hook {n}")
                accepted = await http.post(
                    f"{base}/telegram/hook",
                    data=json.dumps(update),
                    headers={
                        "X-Telegram-Bot-Api-Secret-Token": SECRET,
                        "Content-Type": "application/json",
                    },
                )
                assert accepted.status == 200

        await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(71)) >= 3)
        assert [m.text for m in fake_telegram.sent_to(71)] == [
            f"reply to: hook {n}" for n in range(3)
        ]
        assert fake_telegram.sent_to(70) == []
        assert all("let me in" not in str(r["messages"]) for r in fake_groq.requests)
    finally:
        stop.set()
        await asyncio.wait_for(server, timeout=15)
