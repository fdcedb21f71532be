"""A stream that fails half-way, in a group: the model stalls, or Telegram refuses or loses
the preview; the chat is left with one whole answer or the notice, nothing half-said."""

from __future__ import annotations

from bot.delivery.rendering import render
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.stream_helpers import ANSWER, LONG
from tests.support.fake_groq import FakeGroq


async def test_a_flood_limit_on_edits_slows_the_preview_down_without_failing(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 16, 0.25
    bot = await start_bot(STREAM_INTERVAL="0.05")
    bot.telegram.fail_next(
        "editMessageText",
        error_code=429,
        description="Too Many Requests: retry after 2",
        retry_after=2,
    )
    bot.telegram.send_text(43, "@test_bot busy group", chat_id=-600)
    await bot.telegram.wait_until(
        lambda: any(m.text == render(ANSWER).text for m in bot.telegram.sent_to(-600)),
        timeout=20,
    )
    [message] = bot.telegram.sent_to(-600)
    edits = [e for e in bot.telegram.edits if e.chat_id == -600]
    # the preview went on after the flood wait (the first edit was refused at about 1 s)
    assert len(edits) >= 2
    assert edits[0].at - message.at >= 2.0


async def test_a_model_failure_mid_stream_in_a_group_turns_the_preview_into_the_notice(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 4, 3.0  # the model stalls after the first piece
    bot = await start_bot(STREAM_INTERVAL="0.05", GROQ_REQUEST_TIMEOUT="1")
    bot.telegram.send_text(43, "@test_bot in a group", chat_id=-501)
    await bot.telegram.wait_until(lambda: bot.telegram.edits != [], timeout=20)
    # one message: the partial answer, then the notice in its place, nothing left half-said
    assert [m.text for m in bot.telegram.sent_to(-501)] == [EN.model_timeout]


async def test_a_model_failure_after_a_finished_part_leaves_only_the_notice(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 2, 3.0  # a first piece past one part, then a stall
    bot = await start_bot(
        STREAM_INTERVAL="0.05", GROQ_REQUEST_TIMEOUT="1", TELEGRAM_PACING="false"
    )
    bot.telegram.send_text(49, "@test_bot in a group", chat_id=-503)
    await bot.telegram.wait_until(
        lambda: EN.model_timeout in [m.text for m in bot.telegram.visible(-503)], timeout=20
    )
    await bot.settled(-503)
    assert len(bot.telegram.sent_to(-503)) >= 2  # a finished part and the preview were shown
    assert [m.text for m in bot.telegram.visible(-503)] == [EN.model_timeout]


async def test_a_failure_notice_refused_as_an_edit_still_replaces_the_preview(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 4, 3.0  # the model stalls after the first piece
    bot = await start_bot(STREAM_INTERVAL="0.05", GROQ_REQUEST_TIMEOUT="1")
    bot.telegram.fail_next(  # a flood wait longer than the bot waits for
        "editMessageText", error_code=429, description="Too Many Requests", retry_after=600
    )
    bot.telegram.send_text(50, "@test_bot in a group", chat_id=-504)
    await bot.telegram.wait_until(
        lambda: EN.model_timeout in [m.text for m in bot.telegram.visible(-504)], timeout=20
    )
    await bot.settled(-504)
    assert [m.text for m in bot.telegram.visible(-504)] == [EN.model_timeout]


async def test_a_failure_after_the_preview_was_deleted_still_sends_the_notice(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 4, 3.0
    bot = await start_bot(STREAM_INTERVAL="0.05", GROQ_REQUEST_TIMEOUT="1")
    bot.telegram.send_text(51, "@test_bot in a group", chat_id=-505)
    await bot.telegram.wait_until(lambda: bot.telegram.sent_to(-505) != [])
    bot.telegram.delete_message(-505, bot.telegram.sent_to(-505)[0].message_id)
    await bot.telegram.wait_until(
        lambda: EN.model_timeout in [m.text for m in bot.telegram.visible(-505)], timeout=20
    )
    await bot.settled(-505)
    assert [m.text for m in bot.telegram.visible(-505)] == [EN.model_timeout]


async def test_a_final_edit_refused_still_leaves_one_answer_in_a_group(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 2, 0.05  # done well within one edit interval
    bot = await start_bot(STREAM_INTERVAL="0.05")
    bot.telegram.fail_next(
        "editMessageText", error_code=429, description="Too Many Requests", retry_after=600
    )
    bot.telegram.send_text(52, "@test_bot in a group", chat_id=-506)
    await bot.telegram.wait_until(
        lambda: render(ANSWER).text in [m.text for m in bot.telegram.visible(-506)], timeout=20
    )
    await bot.settled(-506)
    assert [m.text for m in bot.telegram.visible(-506)] == [render(ANSWER).text]
