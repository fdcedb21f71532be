"""The real `python -m bot` process: start-up errors and shutdown in the middle of a turn."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.texts import EN
from tests.e2e.conftest import BOT_TOKEN, bot_environment
from tests.e2e.process_helpers import clean_env, start_process
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.redis_server import RedisServer, redis_server_or_skip


async def sigterm_mid_turn(process: asyncio.subprocess.Process, groq: FakeGroq) -> bytes:
    """SIGTERM once the model has the first question; the process's stderr once it exits."""
    try:
        await groq.wait_for_requests(1, timeout=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stderr


async def texts_after_the_next_start(
    cwd: Path, env: dict[str, str], telegram: FakeTelegram, chat_id: int, count: int
) -> list[str]:
    """Starts the bot again; the chat's texts once `count` came and a duplicate had time to."""
    process = await start_process(cwd, env)
    try:
        await telegram.wait_until(lambda: len(telegram.sent_to(chat_id)) >= count, timeout=60)
        await asyncio.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=20)
    return [m.text for m in telegram.sent_to(chat_id)]


async def test_missing_settings_stop_the_bot_with_one_clear_line(tmp_path: Path) -> None:
    process = await start_process(tmp_path, clean_env())
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1, lines
    assert "BOT_TOKEN is missing" in lines[0]
    assert "GROQ_API_KEY is missing" in lines[0]
    assert ".env.example" in lines[0]
    assert "Traceback" not in stderr.decode()


async def test_an_invalid_value_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=1:X\nGROQ_API_KEY=k\nINBOX_SIZE=many\n")
    process = await start_process(tmp_path, clean_env())
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert "INBOX_SIZE" in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_sigterm_mid_turn_finishes_the_reply_within_the_deadline(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 1.0
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, SHUTDOWN_TIMEOUT="10", LOG_LEVEL="INFO")
    )
    process = await start_process(tmp_path, env)
    fake_telegram.send_text(31, "question")
    stderr = await sigterm_mid_turn(process, fake_groq)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert [m.text for m in fake_telegram.sent_to(31)] == ["reply to: question"]
    log = stderr.decode()
    assert "answered" in log  # the turn was logged...
    for secret_or_text in (fake_groq.api_key, BOT_TOKEN, "question", "reply to"):
        assert secret_or_text not in log  # ...without a secret or a message text at INFO


async def test_sigterm_with_a_hung_model_cancels_after_the_deadline_and_tells_the_user(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("timeout", count=10)
    env = clean_env(
        **bot_environment(
            fake_telegram, fake_groq, SHUTDOWN_TIMEOUT="1", GROQ_REQUEST_TIMEOUT="60"
        )
    )
    process = await start_process(tmp_path, env)
    updates = [fake_telegram.send_text(32, text) for text in ("question", "and another")]
    stderr = await sigterm_mid_turn(process, fake_groq)
    assert process.returncode == 0, stderr.decode()[-2000:]
    notices = fake_telegram.sent_to(32)
    assert [m.text for m in notices] == [EN.shutting_down, EN.shutting_down]
    assert sorted(m.reply_to_message_id or 0 for m in notices) == sorted(
        u["message"]["message_id"] for u in updates
    )


async def test_a_redis_that_is_down_at_start_stops_the_bot_with_one_line(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, STORAGE_URL="redis://127.0.0.1:9/0")
    )
    process = await start_process(tmp_path, env)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    errors = [line for line in stderr.decode().splitlines() if "| ERROR" in line]
    assert process.returncode == 1
    assert len(errors) == 1 and "STORAGE_URL" in errors[0], stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()


async def test_kill_9_mid_burst_then_restart_answers_every_message_once_in_order(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    fake_groq.latency = 0.3
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, STORAGE_URL=redis_url, LEASE_TTL="2")
    )
    first = await start_process(tmp_path, env)
    try:
        for n in range(10):
            fake_telegram.send_text(60, f"m{n}")
        await fake_groq.wait_for_requests(3, timeout=30)  # killed while a model call runs
    finally:
        first.kill()
        await first.communicate()
    answered_before = len(fake_telegram.sent_to(60))
    assert answered_before < 10

    answered = await texts_after_the_next_start(tmp_path, env, fake_telegram, 60, 10)
    assert answered == [f"reply to: m{n}" for n in range(10)]


async def test_redis_password_never_reaches_the_log(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    server = RedisServer(redis_server_or_skip(), tmp_path, password="hunter2-pass")
    server.start()
    try:
        env = clean_env(
            **bot_environment(fake_telegram, fake_groq, STORAGE_URL=server.url, LOG_LEVEL="INFO")
        )
        process = await start_process(tmp_path, env)
        fake_telegram.send_text(33, "hello")
        stderr = await sigterm_mid_turn(process, fake_groq)
    finally:
        server.stop()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert [m.text for m in fake_telegram.sent_to(33)] == ["reply to: hello"]
    assert "storage=redis" in stderr.decode()
    assert "hunter2-pass" not in stderr.decode()


async def test_sigterm_with_redis_keeps_the_waiting_messages_for_the_next_start(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    """`docker compose restart`: what the deadline cut off is answered by the next process."""
    env = clean_env(
        **bot_environment(fake_telegram, fake_groq, STORAGE_URL=redis_url, SHUTDOWN_TIMEOUT="1")
    )
    fake_groq.hold()
    first = await start_process(tmp_path, env)
    for n in range(3):
        fake_telegram.send_text(61, f"m{n}")
    stderr = await sigterm_mid_turn(first, fake_groq)
    assert first.returncode == 0, stderr.decode()[-2000:]
    assert fake_telegram.sent_to(61) == []  # nobody was told to send again: nothing was lost
    fake_groq.let_go()

    answered = await texts_after_the_next_start(tmp_path, env, fake_telegram, 61, 3)
    assert answered == [f"reply to: m{n}" for n in range(3)]
