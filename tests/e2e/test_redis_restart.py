"""Redis restarted in the middle of traffic (append-only file, every write synced): the bot
process keeps running, every message it had taken in is answered once Redis is back, in order,
with no "send it again" for any of them, and new messages are answered again."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.texts import EN
from tests.e2e.conftest import bot_environment
from tests.e2e.process_helpers import clean_env
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram
from tests.support.redis_server import RedisServer, redis_server_or_skip

CHATS = (81, 82, 83)
ROUNDS = 4


async def start_polling(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot`, its log in a file: nobody has to keep reading a pipe."""
    with (tmp_path / "bot.log").open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=sink, stderr=sink
        )


def texts(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in telegram.sent_to(chat)]


async def until_logged(fragments: list[str], log: Path, timeout: float = 30) -> None:
    """Until the bot's log has a line with each fragment (polled: a log line sends no event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not all(fragment in log.read_text() for fragment in fragments):
        assert asyncio.get_running_loop().time() < deadline, f"never logged: {fragments}"
        await asyncio.sleep(0.05)


def without_repeats(sent: list[str]) -> list[str]:
    """The replies with an immediate repeat taken out: an answer sent when Redis went away
    could not be crossed off, and may be sent once more (docs/architecture.md)."""
    return [text for n, text in enumerate(sent) if n == 0 or sent[n - 1] != text]


async def test_a_redis_restart_mid_traffic_loses_nothing_that_was_taken_in(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    (tmp_path / "redis").mkdir()
    server = RedisServer(redis_server_or_skip(), tmp_path / "redis", fsync_always=True)
    server.start()
    env = bot_environment(fake_telegram, fake_groq, STORAGE_URL=server.url, LEASE_TTL="2")
    process = await start_polling(tmp_path, clean_env(**{**env, "LOG_LEVEL": "INFO"}))
    try:
        fake_telegram.send_text(84, "hello")  # the scheduler's first call learns the budget
        await fake_telegram.wait_until(  # the process starts first: slow on a loaded machine
            lambda: texts(fake_telegram, 84) == ["reply to: hello"], timeout=30
        )
        fake_groq.hold()
        for n in range(ROUNDS):
            for chat in CHATS:
                fake_telegram.send_text(chat, f"c{chat} m{n}")
        # Taken in: Telegram was told so (the next getUpdates asked past them all).
        await fake_telegram.wait_until(lambda: fake_telegram.unconfirmed == 0, timeout=30)
        await fake_groq.wait_for_held(len(CHATS), timeout=30)  # each chat's m0 at the model
        fake_groq.let_go()
        fake_groq.hold()  # m0 is answered; m1 goes to the model, m2 and m3 wait behind it
        await fake_groq.wait_for_requests(1 + 2 * len(CHATS), timeout=30)  # hello, m0s, m1s

        server.stop()  # SIGTERM: Redis shuts down; the bot is in the middle of three turns
        fake_groq.let_go()
        fake_telegram.send_text(84, "while Redis is away")  # the bot goes on, and says so
        await fake_telegram.wait_until(lambda: len(texts(fake_telegram, 84)) == 2, timeout=30)
        assert texts(fake_telegram, 84)[1] == EN.storage_unavailable
        # Each chat's actor met the outage and stopped, its lease left to run out.
        left = [f"chat={chat} lease left to run out" for chat in CHATS]
        await until_logged(left, tmp_path / "bot.log")

        server.start()  # the same port and data directory: the append-only file is replayed
        expected = {chat: [f"reply to: c{chat} m{n}" for n in range(ROUNDS)] for chat in CHATS}
        await fake_telegram.wait_until(
            lambda: all(
                without_repeats(texts(fake_telegram, chat)) == expected[chat] for chat in CHATS
            ),
            timeout=60,
        )
        for chat in CHATS:  # nobody was asked to send again what the bot had taken in
            assert len(texts(fake_telegram, chat)) <= ROUNDS + 1, texts(fake_telegram, chat)

        fake_telegram.send_text(84, "and now?")  # Redis is back: answered again
        fake_telegram.send_text(81, "c81 after")
        await fake_telegram.wait_until(
            lambda: (
                texts(fake_telegram, 84)[2:] == ["reply to: and now?"]
                and texts(fake_telegram, 81)[-1] == "reply to: c81 after"
            ),
            timeout=30,
        )
        assert process.returncode is None  # it never stopped
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()
        server.stop()
    assert process.returncode == 0, (tmp_path / "bot.log").read_text()[-3000:]
