"""The daily quota holds, end to end: a stopped or failed answer is counted, a user over it costs
no download and no Whisper call, Whisper's audio counts, and turns at once in several chats pass
it once; each answer is bounded by MAX_ANSWER_TOKENS, and a chat picks only among CHAT_MODELS
(docs/architecture.md, "What one user cannot do to the others")."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from bot.texts import EN
from tests.e2e.conftest import RunningBot, StartBot, StartReplica
from tests.e2e.media_helpers import send_voice
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

USER = 91  # tests.e2e.media_helpers.send_voice sends as this user
GROUP = -900
QUOTA_REFUSAL = EN.quota_exceeded_template.split("{")[0]
LONG = " ".join(f"word{n}" for n in range(400))


async def tokens_today(bot: RunningBot, chat: int = USER) -> int:
    """What /usage says the user spent today."""
    before = len(bot.telegram.sent_to(chat))
    bot.telegram.send_text(USER, "/usage")
    answer = (await bot.replies(chat, before + 1))[before]
    found = re.search(r"today \(UTC\): (\d+)\.", answer)
    assert found is not None, answer
    return int(found.group(1))


def counted(body: dict[str, Any], answer: str) -> int:
    """The tokens the fake Groq reports for a whole answer: 4 characters a token."""
    prompt = sum(len(str(m.get("content", ""))) // 4 for m in body["messages"])
    return prompt + len(answer) // 4


async def test_a_stopped_answer_is_delivered_and_counted(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    """Groq reports no usage for a stream the bot stopped: the bot counts an estimate."""
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 20, 0.3
    bot = await start_bot(STORAGE_URL=storage, USER_DAILY_TOKENS="5", STREAM_INTERVAL="0.05")
    update = bot.telegram.send_text(USER, "a long one")
    await bot.telegram.wait_until(lambda: len(bot.telegram.drafts) >= 2)
    bot.telegram.stop_generation(USER, update["message"]["message_id"])
    [stopped] = await bot.replies(USER, 1)
    assert stopped.endswith("⏹ stopped")
    await bot.settled(USER)
    prompt = counted(fake_groq.requests[0], "")
    assert await tokens_today(bot) > prompt  # the prompt and the part streamed before the stop
    bot.telegram.send_text(USER, "another")
    assert (await bot.replies(USER, 3))[2].startswith(QUOTA_REFUSAL)
    assert len(fake_groq.requests) == 1


async def test_an_answer_that_fails_midway_is_counted(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: LONG
    fake_groq.chunks, fake_groq.chunk_delay = 4, 3.0  # the model stalls after its first piece
    bot = await start_bot(USER_DAILY_TOKENS="5", STREAM_INTERVAL="0.05", GROQ_REQUEST_TIMEOUT="1")
    bot.telegram.send_text(USER, "a long one")
    assert await bot.replies(USER, 1, timeout=20) == [EN.model_timeout]
    await bot.settled(USER)
    fake_groq.chunk_delay = 0
    bot.telegram.send_text(USER, "another")
    assert (await bot.replies(USER, 2))[1].startswith(QUOTA_REFUSAL)
    assert len(fake_groq.requests) == 1


async def test_a_user_over_the_quota_costs_no_download_and_no_whisper_call(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage, USER_DAILY_TOKENS="5")
    bot.telegram.send_text(USER, "a question long enough to spend the whole quota at once")
    await bot.replies(USER, 1)
    await bot.settled(USER)
    send_voice(bot, b"OggS a long voice note")
    assert (await bot.replies(USER, 2))[1].startswith(QUOTA_REFUSAL)
    await bot.settled(USER)
    assert fake_groq.transcriptions == []
    assert bot.telegram.downloads == []
    assert len(fake_groq.requests) == 1


async def test_whisper_audio_counts_toward_the_users_tokens_at_least_ten_seconds(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    """Groq bills Whisper per second of audio, at least 10 s a request."""
    fake_groq.transcriber = lambda audio: "what is the weather"
    lengths = iter([3.0, 42.5])
    fake_groq.audio_seconds = lambda audio: next(lengths)
    bot = await start_bot(STORAGE_URL=storage, TRANSCRIPTION_TOKENS_PER_SECOND="100")
    send_voice(bot, b"OggS short")
    await bot.replies(USER, 2)  # the transcript, then the answer
    await bot.settled(USER)
    answer = fake_groq.thinking([]) + "reply to: what is the weather"
    first = counted(fake_groq.requests[0], answer)
    assert await tokens_today(bot) == 10 * 100 + first

    send_voice(bot, b"OggS long")
    await bot.replies(USER, 5)
    await bot.settled(USER)
    second = counted(fake_groq.requests[1], answer)
    assert await tokens_today(bot) == 10 * 100 + first + 4250 + second


async def test_turns_at_once_in_two_chats_of_one_user_pass_the_quota_once(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    """The first turn reserves its estimate before its call: the second meets the quota."""
    bot = await start_bot(STORAGE_URL=storage, USER_DAILY_TOKENS="5")
    fake_groq.hold()
    bot.telegram.send_text(USER, "in private")
    await fake_groq.wait_for_held(1)
    bot.telegram.send_text(USER, "@test_bot in the group", chat_id=GROUP)
    [refusal] = await bot.replies(GROUP, 1)
    assert refusal.startswith(QUOTA_REFUSAL)
    fake_groq.let_go()
    assert await bot.replies(USER, 1) == ["reply to: in private"]
    await bot.settled(USER)
    assert len(fake_groq.requests) == 1
    # the reservation gave way to the real count
    answer = fake_groq.thinking([]) + "reply to: in private"
    assert await tokens_today(bot) == counted(fake_groq.requests[0], answer)


async def test_replicas_share_the_reservation(
    start_replica: StartReplica, fake_telegram: FakeTelegram, fake_groq: FakeGroq, redis_url: str
) -> None:
    """With Redis, a turn on one replica reserves where the other replica checks."""
    replicas = [await start_replica(STORAGE_URL=redis_url, USER_DAILY_TOKENS="5") for _ in "ab"]
    fake_groq.hold()
    assert await replicas[0].post(fake_telegram.message_update(USER, "in private")) == 200
    await fake_groq.wait_for_held(1)
    group = fake_telegram.message_update(USER, "@test_bot in the group", chat_id=GROUP)
    assert await replicas[1].post(group) == 200
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(GROUP)) >= 1)
    assert fake_telegram.sent_to(GROUP)[0].text.startswith(QUOTA_REFUSAL)
    fake_groq.let_go()
    await fake_telegram.wait_until(lambda: len(fake_telegram.sent_to(USER)) >= 1)
    assert [m.text for m in fake_telegram.sent_to(USER)] == ["reply to: in private"]
    await asyncio.sleep(0.5)  # a second model call, if any, would come here
    assert len(fake_groq.requests) == 1


@pytest.mark.parametrize(
    ("model", "asked"),
    [("openai/gpt-oss-120b", 1000 + 8192), ("acme/plain-chat", 1000)],
    ids=["reasoning", "plain"],
)
async def test_max_answer_tokens_bounds_each_answer(
    start_bot: StartBot, fake_groq: FakeGroq, model: str, asked: int
) -> None:
    """The answer's room, and a reasoning model's room to think besides."""
    fake_groq.models.append("acme/plain-chat")  # a chat model of no known family
    bot = await start_bot(GROQ_MODEL=model, MAX_ANSWER_TOKENS="1000")
    bot.telegram.send_text(USER, "hi")
    await bot.replies(USER, 1)
    assert fake_groq.requests[0]["max_completion_tokens"] == asked


async def test_chat_models_narrows_what_a_chat_may_pick(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """Only chat models, and of those only CHAT_MODELS: no tool system billed beyond tokens."""
    fake_groq.models.append("groq/compound")  # retired; were Groq to list it again
    allowed = "openai/gpt-oss-120b,qwen/qwen3.6-27b"
    bot = await start_bot(CHAT_MODELS=allowed)
    bot.telegram.send_text(USER, "/model")
    [menu] = await bot.replies(USER, 1)
    rows = bot.telegram.sent_to(USER)[0].reply_markup or {}
    listed = [b["text"] for row in rows["inline_keyboard"] for b in row][:-1]  # but "back"
    assert listed == ["✅ openai/gpt-oss-120b", "qwen/qwen3.6-27b"], menu
    bot.telegram.send_text(USER, "/model openai/gpt-oss-20b")
    refused = (await bot.replies(USER, 2))[1]
    assert refused == EN.model_unknown_template.format(
        model="openai/gpt-oss-20b", models="openai/gpt-oss-120b, qwen/qwen3.6-27b"
    )
    bot.telegram.send_text(USER, "hi")
    await bot.replies(USER, 3)
    assert [r["model"] for r in fake_groq.requests] == ["openai/gpt-oss-120b"]


async def test_every_chat_model_is_offered_without_chat_models_but_no_tool_system(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.models.append("groq/compound")  # a tool system, retired in 2026, listed again
    bot = await start_bot()
    bot.telegram.send_text(USER, "/model")
    await bot.replies(USER, 1)
    rows = bot.telegram.sent_to(USER)[0].reply_markup or {}
    listed = [b["text"] for row in rows["inline_keyboard"] for b in row][:-1]
    assert listed == ["✅ openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3.6-27b"]


async def test_a_chat_model_outside_chat_models_falls_back_once(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    """A chat that picked a model before the operator narrowed CHAT_MODELS is told once."""
    first = await start_bot(STORAGE_URL=redis_url)
    first.telegram.send_text(USER, "/model openai/gpt-oss-20b")
    await first.replies(USER, 1)
    await first.stop()
    second = await start_bot(
        STORAGE_URL=redis_url, CHAT_MODELS="openai/gpt-oss-120b,qwen/qwen3.6-27b"
    )
    second.telegram.send_text(USER, "still there?")
    texts = await second.replies(USER, 3)
    assert texts[1:] == [EN.model_removed("openai/gpt-oss-20b"), "reply to: still there?"]
    assert [r["model"] for r in fake_groq.requests] == ["openai/gpt-oss-120b"]
