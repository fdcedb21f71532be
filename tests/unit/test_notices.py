"""Notices: sent in the background, once a window per user and kind, failures absorbed."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, User
from loguru import logger

from bot.delivery.notices import Notice, Notices

WINDOW = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def message(user_id: int) -> Message:
    return Message(
        message_id=1,
        date=datetime.datetime.now(datetime.UTC),
        chat=Chat(id=user_id, type="private"),
        from_user=User(id=user_id, is_bot=False, first_name="U"),
        text="hi",
    )


@pytest.fixture
def logs() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{message}")
    yield lines
    logger.remove(sink)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.gate = asyncio.Event()

    def send(self, user_id: int) -> Callable[[], Awaitable[None]]:
        async def go() -> None:
            await self.gate.wait()
            self.sent.append(user_id)

        return go


async def test_post_returns_before_the_notice_is_sent() -> None:
    notices, recorder = Notices(WINDOW), Recorder()
    assert notices.post(Notice.NOT_ALLOWED, message(1), recorder.send(1))
    await asyncio.sleep(0)
    assert recorder.sent == [] and notices.pending == 1
    recorder.gate.set()
    await notices.aclose()
    assert recorder.sent == [1] and notices.pending == 0


async def test_once_a_window_per_user_and_kind() -> None:
    clock, recorder = Clock(), Recorder()
    recorder.gate.set()
    notices = Notices(WINDOW, clock=clock)
    posted = [notices.post(Notice.NOT_ALLOWED, message(1), recorder.send(1)) for _ in range(40)]
    assert posted == [True] + [False] * 39
    assert notices.post(Notice.RATE_LIMITED, message(1), recorder.send(1))
    assert notices.post(Notice.NOT_ALLOWED, message(2), recorder.send(2))
    clock.now += WINDOW
    assert notices.post(Notice.NOT_ALLOWED, message(1), recorder.send(1))
    await notices.aclose()
    assert sorted(recorder.sent) == [1, 1, 1, 2]


async def test_close_cancels_a_notice_that_does_not_finish() -> None:
    notices, recorder = Notices(WINDOW), Recorder()
    notices.post(Notice.INBOX_FULL, message(1), recorder.send(1))
    await notices.aclose(timeout=0)
    assert notices.pending == 0 and recorder.sent == []
    assert not notices.post(Notice.INBOX_FULL, message(2), recorder.send(2))


@pytest.mark.parametrize(
    "error",
    [
        TelegramRetryAfter(SendMessage(chat_id=1, text="x"), "Too Many Requests", 5),
        TelegramNetworkError(SendMessage(chat_id=1, text="x"), "connection reset"),
    ],
)
async def test_a_refused_notice_is_one_log_line(error: Exception, logs: list[str]) -> None:
    async def fail() -> None:
        raise error

    notices = Notices(WINDOW)
    notices.post(Notice.NOT_ALLOWED, message(7), fail)
    await notices.aclose()
    dropped = [line for line in logs if "dropped" in line]
    assert len(dropped) == 1 and "chat=7" in dropped[0]
    assert not any("Traceback" in line for line in logs)


async def test_memory_follows_who_was_told_lately() -> None:
    clock, recorder = Clock(), Recorder()
    recorder.gate.set()
    notices = Notices(WINDOW, clock=clock)
    for user_id in range(2000):
        notices.post(Notice.NOT_ALLOWED, message(user_id), recorder.send(user_id))
    clock.now += WINDOW
    for user_id in range(5000, 5050):
        notices.post(Notice.NOT_ALLOWED, message(user_id), recorder.send(user_id))
    assert notices.size == 50
    await notices.aclose()
