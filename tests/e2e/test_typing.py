"""The chat's "typing…" indicator: shown while the model works and nothing is shown yet,
stopped once a draft or a preview shows the answer, and harmless when Telegram refuses it."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from bot.delivery import typing_indicator
from bot.delivery.rendering import render
from tests.e2e.conftest import StartBot
from tests.e2e.stream_helpers import ANSWER
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram


def actions_around(telegram: FakeTelegram, chat_id: int, shown: str) -> tuple[int, int]:
    """The chat's "typing…" calls before and after its first `shown` call (to the server)."""
    methods = [m for m, p in telegram.calls if str(p.get("chat_id")) == str(chat_id)]
    first = methods.index(shown)
    return methods[:first].count("sendChatAction"), methods[first:].count("sendChatAction")


async def test_typing_is_shown_while_the_model_works(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 0.3
    bot = await start_bot()
    bot.telegram.send_text(24, "think hard")
    await bot.replies(24, 1)
    assert (24, "typing") in bot.telegram.chat_actions


async def test_a_refused_typing_indicator_leaves_no_unretrieved_task_error(
    start_bot: StartBot,
) -> None:
    """The typing loop's failure is absorbed: asyncio would otherwise report "Task exception
    was never retrieved" through the loop's exception handler when the task is collected."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        bot = await start_bot()
        bot.telegram.fail_next(
            "sendChatAction",
            error_code=403,
            description="Forbidden: not enough rights to send chat actions",
        )
        bot.telegram.send_text(46, "hello")
        assert await bot.replies(46, 1) == ["reply to: hello"]
        assert any(method == "sendChatAction" for method, _ in bot.telegram.calls)
        gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert [context["message"] for context in reported] == []


@pytest.mark.parametrize(("chat_id", "shown"), [(60, "sendMessageDraft"), (-700, "sendMessage")])
async def test_typing_stops_once_the_preview_shows_the_answer(
    start_bot: StartBot,
    fake_groq: FakeGroq,
    storage: str,
    monkeypatch: pytest.MonkeyPatch,
    chat_id: int,
    shown: str,
) -> None:
    """The chat shows "typing…" while nothing is shown; once the draft or the group's preview
    message is, renewing it is a wasted Bot API call."""
    monkeypatch.setattr(typing_indicator, "TYPING_INTERVAL", 0.5)
    fake_groq.responder = lambda messages: ANSWER
    # no text for 1.2 s (between the 1.0 and 1.5 renewals), then 2.4 s of stream
    fake_groq.latency, fake_groq.chunks, fake_groq.chunk_delay = 1.2, 8, 0.3
    bot = await start_bot(STORAGE_URL=storage, STREAM_INTERVAL="0.05")
    bot.telegram.send_text(60, "@test_bot slowly", chat_id=chat_id)  # 60: private
    await bot.telegram.wait_until(
        lambda: render(ANSWER).text in [m.text for m in bot.telegram.sent_to(chat_id)],
        timeout=20,
    )
    await bot.settled(chat_id)
    before, after = actions_around(bot.telegram, chat_id, shown)
    assert before >= 2  # renewed while the model had not written yet
    assert after == 0


async def test_an_answer_not_streamed_shows_typing_until_it_is_sent(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typing_indicator, "TYPING_INTERVAL", 0.5)
    fake_groq.latency = 1.2
    bot = await start_bot(STORAGE_URL=storage, STREAM_REPLIES="false")
    bot.telegram.send_text(62, "no stream")
    assert await bot.replies(62, 1) == ["reply to: no stream"]
    await bot.settled(62)
    before, after = actions_around(bot.telegram, 62, "sendMessage")
    assert before >= 3 and after == 0  # at 0, 0.5 and 1.0 s, none once answered
