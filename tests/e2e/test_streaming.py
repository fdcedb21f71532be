"""Streaming: growing drafts in private chats, edits in groups, the stop button; a long
answer reads as one coherent message all along; with streaming off, one complete reply."""

from __future__ import annotations

import asyncio

from bot.delivery.rendering import render
from bot.delivery.splitting import split_entities
from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.e2e.stream_helpers import ANSWER, LONG
from tests.support.fake_groq import FakeGroq, echo_last_user
from tests.support.fake_telegram import FakeTelegram


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
