"""The reply sender and its streaming previews over a recording Bot session: what Telegram
would be asked, call by call, with no server and no socket."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.methods import EditMessageText, SendMessage, SendMessageDraft
from aiogram.types import MessageEntity

from bot.delivery import streaming
from bot.delivery.sender import Delivery, ReplySender
from tests.support.recording_bot import (
    FIRST_MESSAGE_ID,
    RecordingBot,
    bad_request,
    retry_after,
)

PRIVATE, GROUP = 7, -1007


def units(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def covered(text: str, entities: list[MessageEntity] | None) -> list[tuple[str, str]]:
    """Each entity as (type, the text it covers), so a shifted offset shows."""
    raw = text.encode("utf-16-le")
    return [
        (e.type, raw[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le"))
        for e in entities or []
    ]


class Clock:
    """Stands in for the `time` module in bot.delivery.streaming: previews throttle on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_markdown_goes_as_entities_with_no_parse_mode(bot: RecordingBot) -> None:
    """Entities, not a parse mode: nothing for Telegram to parse, so nothing to escape."""
    result = await ReplySender(bot).deliver(PRIVATE, "**Bold** and `x < y`", reply_to=3)
    assert result is Delivery.DELIVERED
    [sent] = bot.session.calls(SendMessage)
    assert sent.text == "Bold and x < y"
    assert covered(sent.text, sent.entities) == [("bold", "Bold"), ("code", "x < y")]
    assert sent.reply_parameters is not None and sent.reply_parameters.message_id == 3
    assert "parse_mode" not in bot.session.wire(sent)


async def test_a_long_answer_goes_in_parts_in_order_within_the_limit(bot: RecordingBot) -> None:
    """4096 UTF-16 units, not characters: an emoji takes two. Each paragraph is 2068 units
    (1038 characters), so no two fit in one message, though their characters would."""
    paragraphs = [f"Part {n}: " + "😀" * 1030 for n in range(1, 5)]
    markdown = "\n\n".join(paragraphs)
    assert await ReplySender(bot).deliver(PRIVATE, markdown, reply_to=3) is Delivery.DELIVERED
    sent = bot.session.calls(SendMessage)
    assert [m.text for m in sent] == paragraphs  # cut at the paragraph breaks, in order
    assert [units(m.text) for m in sent] == [2068] * 4
    quoted = [m.reply_parameters.message_id if m.reply_parameters else None for m in sent]
    assert quoted == [3, None, None, None]  # only the first part answers the question


async def test_a_part_refused_for_its_entities_is_sent_again_as_plain_text(
    bot: RecordingBot,
) -> None:
    """A reply is never lost to its formatting."""
    bot.session.fail_next(SendMessage, bad_request("Bad Request: can't parse entities"))
    assert await ReplySender(bot).deliver(PRIVATE, "**Bold** move", reply_to=None) == "delivered"
    first, second = bot.session.calls(SendMessage)
    assert (first.text, covered(first.text, first.entities)) == ("Bold move", [("bold", "Bold")])
    assert (second.text, second.entities) == ("Bold move", None)
    assert bot.session.answered(SendMessage) == [second]


async def test_a_flood_wait_is_waited_out_and_the_message_sent_once(
    bot: RecordingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram's retry_after is honoured, then the same message goes, once."""
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float) -> None:
        slept.append(delay)
        await real_sleep(0)

    bot.session.fail_next(SendMessage, retry_after(7))
    with monkeypatch.context() as patched:
        patched.setattr(asyncio, "sleep", sleep)
        result = await ReplySender(bot).deliver(PRIVATE, "hello", reply_to=None)
    assert result is Delivery.DELIVERED
    assert slept == [7]
    assert [m.text for m in bot.session.calls(SendMessage)] == ["hello", "hello"]
    assert [m.text for m in bot.session.answered(SendMessage)] == ["hello"]


async def test_a_flood_wait_longer_than_allowed_fails_the_delivery(bot: RecordingBot) -> None:
    """The sender gives up on a wait past `max_flood_wait` rather than hold the chat."""
    bot.session.fail_next(SendMessage, retry_after(120))
    sender = ReplySender(bot, max_flood_wait=60)
    assert await sender.deliver(PRIVATE, "hello", reply_to=None) is Delivery.FAILED
    assert bot.session.answered(SendMessage) == []


async def test_drafts_grow_in_a_private_chat(bot: RecordingBot) -> None:
    """Each update is a draft with the text so far; the final answer is one real message."""
    sender = ReplySender(bot, stream_interval=0.0)
    preview = sender.preview(PRIVATE, private=True, draft_id=11, reply_to=None)
    growing = ["Hel", "Hello", "Hello, **wor", "Hello, **world**"]
    for text in growing:
        await preview.update(text)
    drafts = bot.session.calls(SendMessageDraft)
    assert [d.text for d in drafts] == ["Hel", "Hello", "Hello, **wor", "Hello, world"]
    assert {(d.chat_id, d.draft_id, d.can_stop) for d in drafts} == {(PRIVATE, 11, True)}
    assert covered(drafts[-1].text or "", drafts[-1].entities) == [("bold", "world")]
    assert preview.visible.is_set()
    assert bot.session.calls(SendMessage) == []
    assert await sender.deliver(PRIVATE, "Hello, **world**", reply_to=None, preview=preview)
    assert [m.text for m in bot.session.calls(SendMessage)] == ["Hello, world"]


async def test_a_group_sees_one_message_edited_as_the_answer_grows(
    bot: RecordingBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups have no drafts: one message quoting the question, edited at most once a second,
    and the final answer takes that message over."""
    clock = Clock()
    monkeypatch.setattr(streaming, "time", clock)
    sender = ReplySender(bot, stream_interval=0.0)
    preview = sender.preview(GROUP, private=False, draft_id=11, reply_to=9)
    for at, text in [(0.0, "Hel"), (0.5, "Hello"), (1.0, "Hello, wor"), (2.5, "Hello, world")]:
        clock.now = 1000.0 + at
        await preview.update(text)
    [posted] = bot.session.calls(SendMessage)
    assert posted.text == "Hel" and posted.reply_parameters is not None
    assert posted.reply_parameters.message_id == 9
    assert preview.message_id == FIRST_MESSAGE_ID
    delivered = await sender.deliver(GROUP, "Hello, world!", reply_to=9, preview=preview)
    assert delivered is Delivery.DELIVERED
    edits = bot.session.calls(EditMessageText)
    assert [e.text for e in edits] == ["Hello, wor", "Hello, world", "Hello, world!"]
    assert {(e.chat_id, e.message_id) for e in edits} == {(GROUP, FIRST_MESSAGE_ID)}
    assert len(bot.session.calls(SendMessage)) == 1


async def test_a_streamed_answer_past_the_limit_keeps_its_finished_part(
    bot: RecordingBot,
) -> None:
    """The finished first part is committed as a real message while the draft goes on with
    the rest; the final delivery sends only what was not committed."""
    first, rest = "A" * 3000, "B" * 2000
    sender = ReplySender(bot, stream_interval=0.0)
    preview = sender.preview(PRIVATE, private=True, draft_id=11, reply_to=None)
    await preview.update(first)
    await preview.update(f"{first}\n\n{rest[:10]}")  # 3012 units: still one part
    await preview.update(f"{first}\n\n{rest}")  # 5002: the first part is finished
    assert [m.text for m in bot.session.calls(SendMessage)] == [first]
    drafts = [d.text for d in bot.session.calls(SendMessageDraft)]
    assert drafts == [first, f"{first}\n\n{rest[:10]}", rest]
    final = f"{first}\n\n{rest}"
    assert await sender.deliver(PRIVATE, final, reply_to=None, preview=preview) == "delivered"
    assert [m.text for m in bot.session.calls(SendMessage)] == [first, rest]
