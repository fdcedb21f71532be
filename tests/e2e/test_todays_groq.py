"""The bot on its defaults against today's Groq (the fake serves the late-2026 lineup): a text,
thinking that never reaches the chat, a model Groq retires mid-run, and a retired model in
the settings stopping the start. The photo on the default VISION_MODEL is in test_media.py,
web search with its sources in test_chat_settings.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.texts import EN
from tests.e2e.conftest import RunningBot, StartBot, bot_environment
from tests.e2e.process_helpers import clean_env, start_process
from tests.support.fake_groq import FakeGroq
from tests.support.fake_telegram import FakeTelegram

USER, ADMIN = 2101, 2102
THOUGHT = "SECRET-THOUGHT about the question"  # what the models think; never for the chat


def everything_sent(bot: RunningBot, chat_id: int) -> list[str]:
    """Every text the chat was shown: messages, drafts and edits."""
    telegram = bot.telegram
    return [
        *(m.text for m in telegram.sent_to(chat_id)),
        *(d.text for d in telegram.drafts if d.chat_id == chat_id),
        *(e.text for e in telegram.edits if e.chat_id == chat_id),
    ]


async def said(bot: RunningBot, chat_id: int, text: str) -> None:
    """Send `text` as the user and wait for its one reply, and for the turn to settle."""
    before = len(bot.telegram.sent_to(chat_id))
    bot.telegram.send_text(USER, text, chat_id=chat_id)
    await bot.replies(chat_id, before + 1)
    if await bot.state(chat_id) is not None:
        await bot.settled(chat_id)


async def test_a_text_is_answered_by_the_default_model_with_room_for_thinking(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(USER, "hello")
    assert await bot.replies(USER, 1) == ["reply to: hello"]
    [request] = fake_groq.requests
    assert request["model"] == "openai/gpt-oss-120b" == Settings(_env_file=None).groq_model
    assert request["include_reasoning"] is False and "reasoning_format" not in request
    assert 4096 < request["max_completion_tokens"] <= 65536  # an answer and its thinking


async def test_no_thinking_reaches_the_chat_in_drafts_edits_or_answers(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """gpt-oss (parsed apart), Qwen 3.6 (hidden) and a Qwen the bot knows no family of, which
    Groq lets think raw in the content, `<think>` cut across chunks: none shows its thinking."""
    fake_groq.thinking = lambda messages: THOUGHT
    fake_groq.models.append("qwen/qwen4-preview")  # newer than the bot's families
    fake_groq.chunk_delay = 0.05  # drafts while it streams
    bot = await start_bot(STREAM_INTERVAL="0.01")
    group = -1002101
    for count, model in enumerate(["", "qwen/qwen3.6-27b", "qwen/qwen4-preview"]):
        if model:
            await said(bot, USER, f"/model {model}")
        await said(bot, USER, f"question {count}")
    await said(bot, group, "@test_bot in a group")  # edits, not drafts
    raw = [r for r in fake_groq.requests if r["model"] == "qwen/qwen4-preview"]
    assert raw and "reasoning_format" not in raw[0]  # so the fake thought aloud in the content
    shown = everything_sent(bot, USER) + everything_sent(bot, group)
    assert any(d.chat_id == USER for d in bot.telegram.drafts)
    assert [t for t in shown if "SECRET" in t or "think>" in t or "<thi" in t] == []
    answers = [m.text for m in bot.telegram.sent_to(USER) if m.text.startswith("reply to:")]
    assert answers == [f"reply to: question {n}" for n in range(3)]


async def test_a_model_retired_mid_run_is_replaced_at_once_and_everyone_told_once(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ADMIN_USER_IDS=str(ADMIN))
    bot.telegram.send_text(USER, "one")
    assert await bot.replies(USER, 1) == ["reply to: one"]
    await bot.settled(USER)

    fake_groq.retire("openai/gpt-oss-120b")  # GROQ_MODEL: Groq shuts it down meanwhile
    bot.telegram.send_text(USER, "two")
    await bot.replies(USER, 2)
    await bot.settled(USER)
    bot.telegram.send_text(USER, "three")
    await bot.replies(USER, 3)
    await bot.settled(USER)

    stand_in = "qwen/qwen3.6-27b"  # the best live chat model: no FALLBACK_MODEL is set
    texts = [m.text for m in bot.telegram.sent_to(USER)]
    assert texts[1].startswith("reply to: two")
    assert texts[1].endswith(EN.model_retired("openai/gpt-oss-120b", stand_in).strip("_"))
    assert texts[2] == "reply to: three"  # told once; the next turn goes there at once
    models = [r["model"] for r in fake_groq.requests]
    assert models == ["openai/gpt-oss-120b", "openai/gpt-oss-120b", stand_in, stand_in]
    last = [m["content"] for m in fake_groq.requests[-1]["messages"][1:]]
    assert last == ["one", "reply to: one", "two", "reply to: two", "three"]  # one dialog

    await bot.replies(ADMIN, 1)
    assert [m.text for m in bot.telegram.sent_to(ADMIN)] == [
        EN.model_retired_admin("openai/gpt-oss-120b", stand_in)
    ]
    exposition = bot.dp["metrics"].exposition().decode()
    assert 'bot_model_retired_total{model="openai/gpt-oss-120b"} 1.0' in exposition


async def test_a_retired_groq_model_stops_the_start_with_one_line(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_groq: FakeGroq
) -> None:
    retired = "llama-3.3-70b-versatile"  # the old default, retired by Groq in 2026
    env = bot_environment(fake_telegram, fake_groq, GROQ_MODEL=retired, LOG_LEVEL="INFO")
    process = await start_process(tmp_path, clean_env(**env))
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, stderr.decode()[-2000:]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"configuration error: GROQ_MODEL={retired} ")
    assert "openai/gpt-oss-120b" in lines[0]  # a live model that could replace it
    assert fake_telegram.calls == []  # stopped before Telegram was asked anything


async def test_with_no_live_model_left_the_user_is_told_in_plain_words(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ADMIN_USER_IDS=str(ADMIN))
    for model in [m for m in fake_groq.models if not m.startswith("whisper")]:
        fake_groq.retire(model)  # Groq retires every chat model at once
    bot.telegram.send_text(USER, "anyone?")
    assert await bot.replies(USER, 1) == [EN.model_gone]
    # Groq's list no longer names them, so only GROQ_MODEL is tried, and it has no stand-in
    assert await bot.replies(ADMIN, 1) == [EN.model_retired_admin("openai/gpt-oss-120b", "")]
    assert [r["model"] for r in fake_groq.requests] == ["openai/gpt-oss-120b"]
    assert all("decommissioned" not in m.text for m in bot.telegram.sent)  # no raw error
