"""Streaming: growing drafts in private chats, edits in groups, the stop button."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from bot.delivery import typing_indicator
from bot.delivery.rendering import render
from bot.delivery.splitting import split_entities
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.support.fake_groq import FakeGroq, echo_last_user
from tests.support.fake_telegram import FakeTelegram

ANSWER = "**Streaming** works: " + " ".join(f"word{n}" for n in range(60)) + " `done`"
# About 10 000 characters in paragraphs: three Telegram messages.
LONG = "**A long answer** follows.\n\n" + "\n\n".join(
    " ".join(f"word{p}x{n}" for n in range(80)) for p in range(14)
)


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


def actions_around(telegram: FakeTelegram, chat_id: int, shown: str) -> tuple[int, int]:
    """The chat's "typing…" calls before and after its first `shown` call (to the server)."""
    methods = [m for m, p in telegram.calls if str(p.get("chat_id")) == str(chat_id)]
    first = methods.index(shown)
    return methods[:first].count("sendChatAction"), methods[first:].count("sendChatAction")


def parts_of(markdown: str) -> list[str]:
    rendered = render(markdown)
    return [text for text, _ in split_entities(rendered.text, rendered.entities)]


def views(telegram: FakeTelegram, chat_id: int) -> list[list[str]]:
    """What the user saw after each change: the chat's messages in order, then the draft
    (which a message sent takes the place of)."""
    messages: dict[int | None, str] = {}
    draft = ""
    seen = []
    for event in telegram.events:
        if event.chat_id != chat_id:
            continue
        if event.method == "sendMessageDraft":
            draft = event.text
        elif event.method == "deleteMessage":
            del messages[event.message_id]
        else:
            messages[event.message_id] = event.text
            draft = "" if event.method == "sendMessage" else draft
        seen.append([*messages.values(), *([draft] if draft else [])])
    return seen


def is_the_beginning_of(view: list[str], text: str) -> bool:
    """The view reads as the start of `text`, in order, with only whitespace between parts."""
    position = 0
    for shown in view:
        while position < len(text) and text[position].isspace():
            position += 1
        if not text.startswith(shown, position):
            return False
        position += len(shown)
    return True


async def test_a_streamed_reply_grows_in_drafts_and_ends_as_the_rendered_message(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 6, 0.1
    bot = await start_bot(STREAM_INTERVAL="0.05")
    update = bot.telegram.send_text(40, "stream it")
    await bot.replies(40, 1)
    drafts = [d for d in bot.telegram.drafts if d.chat_id == 40]
    assert len(drafts) >= 3
    assert all(d.can_stop and d.draft_id == update["message"]["message_id"] for d in drafts)
    lengths = [len(d.text) for d in drafts]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    final = bot.telegram.sent_to(40)[0]
    assert final.text == render(ANSWER).text
    assert sorted(e["type"] for e in final.entities or []) == ["bold", "code"]


async def test_the_stop_button_delivers_and_keeps_the_partial_answer(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 20, 0.3
    bot = await start_bot(STREAM_INTERVAL="0.05")
    update = bot.telegram.send_text(41, "long one")
    await bot.telegram.wait_until(lambda: len(bot.telegram.drafts) >= 2)
    bot.telegram.stop_generation(41, update["message"]["message_id"])
    await bot.replies(41, 1)
    final = bot.telegram.sent_to(41)[0]
    assert final.text.endswith("⏹ stopped")
    partial = final.text.removesuffix("⏹ stopped").strip()
    assert partial and render(ANSWER).text.startswith(partial)
    assert len(partial) < len(render(ANSWER).text)

    for _ in range(40):  # the server notices at its next write
        if fake_groq.streams_cut:
            break
        await asyncio.sleep(0.05)
    assert fake_groq.streams_cut == 1  # stopping the answer stopped the generation
    fake_groq.chunk_delay, fake_groq.responder = 0, echo_last_user
    bot.telegram.send_text(41, "and then?")
    assert (await bot.replies(41, 2))[1] == "reply to: and then?"
    kept = dialog_of(fake_groq.requests[-1])
    assert kept[1] == ("user", "long one")
    assert kept[2][0] == "assistant" and ANSWER.startswith(kept[2][1])  # the partial text
    assert user_turns(fake_groq.requests[-1]) == ["long one", "and then?"]


async def test_a_group_streams_by_edits_at_most_once_a_second(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    fake_groq.chunks, fake_groq.chunk_delay = 12, 0.25
    bot = await start_bot(STREAM_INTERVAL="0.05")
    bot.telegram.send_text(42, "@test_bot in a group", chat_id=-500)
    await bot.telegram.wait_until(
        lambda: any(m.text == render(ANSWER).text for m in bot.telegram.sent_to(-500)),
        timeout=20,
    )
    messages = bot.telegram.sent_to(-500)
    assert len(messages) == 1  # one message, edited as the answer grew, then finished
    assert bot.telegram.drafts == []
    edits = [e for e in bot.telegram.edits if e.chat_id == -500]
    assert len(edits) >= 2
    preview_edits = edits[:-1]  # the last edit is the finished answer, sent at once
    gaps = [b.at - a.at for a, b in zip(preview_edits, preview_edits[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps), gaps


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


async def test_with_streaming_off_the_reply_is_sent_once_complete(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: ANSWER
    bot = await start_bot(STREAM_REPLIES="false")
    bot.telegram.send_text(44, "no stream")
    await bot.replies(44, 1)
    assert bot.telegram.drafts == []
    assert not any(r.get("stream") for r in fake_groq.requests)
    assert bot.telegram.sent_to(44)[0].text == render(ANSWER).text
    assert EN.stopped not in [m.text for m in bot.telegram.sent_to(44)]


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


async def test_a_part_with_nothing_visible_is_not_sent(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """A run of spaces inside code longer than a message is kept by the splitting, but a
    part made only of it is refused by Telegram ("message text is empty") and shows nothing."""
    art = "x" + " " * 9000 + "y"
    fake_groq.responder = lambda messages: f"Art:\n\n```\n{art}\n```"
    bot = await start_bot(STREAM_REPLIES="false")
    bot.telegram.send_text(45, "draw")
    await bot.telegram.wait_until(
        lambda: any(m.text.endswith("y") for m in bot.telegram.sent_to(45))
    )
    texts = [m.text for m in bot.telegram.sent_to(45)]
    assert texts[0] == "Art:" and EN.send_failed not in texts
    assert "".join(texts[1:]).replace(" ", "") == "xy"


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


async def test_a_long_answer_streams_in_private_as_one_coherent_message(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 14, 0.1
    # the preview's shape, not the pacer's: paced, a draft may rightly wait past the answer
    bot = await start_bot(STREAM_INTERVAL="0.05", TELEGRAM_PACING="false")
    bot.telegram.send_text(47, "tell me everything")
    expected = parts_of(LONG)
    assert len(expected) == 3
    await bot.telegram.wait_until(
        lambda: [m.text for m in bot.telegram.visible(47)] == expected, timeout=20
    )
    seen = views(bot.telegram, 47)
    # the beginning never vanishes: finished parts are sent as the draft goes on
    assert all(is_the_beginning_of(view, render(LONG).text) for view in seen), [
        [text[:30] for text in view] for view in seen
    ]
    first_sent = next(i for i, e in enumerate(bot.telegram.events) if e.method == "sendMessage")
    assert any(e.method == "sendMessageDraft" for e in bot.telegram.events[first_sent:])
    assert [m.text for m in bot.telegram.sent_to(47)] == expected  # nothing sent twice
    await bot.settled(47)
    assert seen == views(bot.telegram, 47)  # and nothing after the answer


async def test_a_long_answer_streams_in_a_group_as_one_coherent_message(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 10, 0.3
    bot = await start_bot(STREAM_INTERVAL="0.05")
    bot.telegram.send_text(48, "@test_bot tell the group", chat_id=-502)
    expected = parts_of(LONG)
    await bot.telegram.wait_until(
        lambda: [m.text for m in bot.telegram.visible(-502)] == expected, timeout=20
    )
    seen = views(bot.telegram, -502)
    assert all(is_the_beginning_of(view, render(LONG).text) for view in seen), [
        [text[:30] for text in view] for view in seen
    ]
    assert len(bot.telegram.sent_to(-502)) == len(expected)  # each preview became its part
    await bot.settled(-502)
    assert [m.text for m in bot.telegram.visible(-502)] == expected


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


async def test_stopping_a_long_answer_keeps_each_part_once(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 20, 0.3
    bot = await start_bot(STREAM_INTERVAL="0.05")
    update = bot.telegram.send_text(53, "long one")
    await bot.telegram.wait_until(lambda: bot.telegram.sent_to(53) != [], timeout=20)
    bot.telegram.stop_generation(53, update["message"]["message_id"])
    await bot.telegram.wait_until(
        lambda: any(m.text.endswith("⏹ stopped") for m in bot.telegram.sent_to(53)),
        timeout=20,
    )
    await bot.settled(53)
    texts = [m.text for m in bot.telegram.visible(53)]
    assert [m.text for m in bot.telegram.sent_to(53)] == texts  # none sent twice, none deleted
    assert len(texts) >= 2 and texts[-1].endswith("⏹ stopped")
    partial = [*texts[:-1], texts[-1].removesuffix("⏹ stopped").rstrip()]
    assert is_the_beginning_of(partial, render(LONG).text)


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
