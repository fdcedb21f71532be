"""Capacity end to end: a rate-limited Groq shared fairly, quotas, /usage, /stats, metrics
and the Telegram pacer, against the fakes (with memory and with Redis where it matters)."""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.support.fake_groq import FakeGroq
from tests.support.ports import free_port

ADMIN, USER = 901, 902


async def test_a_limited_groq_answers_every_user_in_order_without_a_notice(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    fake_groq.limit(requests=8, tokens=100_000, window=0.5)
    fake_groq.latency = 0.02
    bot = await start_bot(
        STORAGE_URL=storage, GROQ_MAX_RETRIES="0", STREAM_REPLIES="false", TELEGRAM_PACING="0"
    )
    users = range(1000, 1030)
    for n in range(3):
        for user in users:
            bot.telegram.send_text(user, f"u{user} m{n}")
    for user in users:
        replies = await bot.replies(user, 3, timeout=60)
        assert replies == [f"reply to: u{user} m{n}" for n in range(3)]
    assert fake_groq.served == 90
    assert all(EN.model_rate_limited not in m.text for m in bot.telegram.sent)


async def test_while_the_main_model_is_spent_the_fallback_answers_and_says_so(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.models += ["main-model", "small-model"]  # models Groq serves, of no known family
    fake_groq.limit(requests=1, tokens=100_000, window=600, model="main-model")
    bot = await start_bot(GROQ_MODEL="main-model", FALLBACK_MODEL="small-model")
    bot.telegram.send_text(USER, "first")
    assert await bot.replies(USER, 1) == ["reply to: first"]
    await bot.settled(USER)
    bot.telegram.send_text(USER, "second")
    await bot.replies(USER, 2)
    await bot.settled(USER)
    second = bot.telegram.visible(USER)[-1].text
    assert second.startswith("reply to: second")
    assert "answered by small-model" in second
    assert [r["model"] for r in fake_groq.requests] == ["main-model", "small-model"]
    assert fake_groq.rate_limited == 0


async def test_a_user_over_the_daily_quota_is_told_when_it_resets_and_costs_no_call(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage, USER_DAILY_TOKENS="5")
    bot.telegram.send_text(USER, "a question long enough to spend the whole quota at once")
    await bot.replies(USER, 1)
    await bot.settled(USER)
    bot.telegram.send_text(USER, "another")
    refusal = (await bot.replies(USER, 2))[1]
    assert refusal.startswith(EN.quota_exceeded_template.split("{")[0])
    assert "00:00 UTC" in refusal
    assert len(fake_groq.requests) == 1
    bot.telegram.send_text(USER, "/usage")
    usage = (await bot.replies(USER, 3))[2]
    spent = sum(int(x) for x in _usage_of(fake_groq))
    assert f"today (UTC): {spent}." in usage
    assert "Daily quota: 5 (0 left)" in usage


def _usage_of(groq: FakeGroq) -> list[int]:
    """What the fake counted for its one answer: prompt and completion tokens (a reasoning
    model's thinking counts in the completion, shown or not, as Groq counts it)."""
    body = groq.requests[0]
    prompt = sum(len(str(m.get("content", ""))) // 4 for m in body["messages"])
    question = body["messages"][-1]["content"]
    return [prompt, len(groq.thinking([]) + f"reply to: {question}") // 4]


async def test_usage_without_a_quota_shows_todays_tokens_only(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(USER, "/usage")
    assert await bot.replies(USER, 1) == [EN.usage_template.format(tokens=0)]


async def test_stats_are_for_admins_only(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage, ADMIN_USER_IDS=str(ADMIN))
    fake_groq.fail_next("auth")
    bot.telegram.send_text(USER, "fails")
    await bot.replies(USER, 1)
    await bot.settled(USER)
    bot.telegram.send_text(USER, "works")
    await bot.replies(USER, 2)
    await bot.settled(USER)
    bot.telegram.send_text(USER, "/stats")
    assert (await bot.replies(USER, 3))[2] == EN.unknown_command
    bot.telegram.send_text(ADMIN, "/stats")
    answer = fake_groq.thinking([]) + "reply to: works"  # the thinking counts, as at Groq
    tokens = sum(_usage_of_request(body, answer) for body in fake_groq.requests[1:])
    assert await bot.replies(ADMIN, 1) == [EN.stats(1, 2, tokens, 1, 0)]


def _usage_of_request(body: dict[str, object], answer: str) -> int:
    messages = body["messages"]
    assert isinstance(messages, list)
    return sum(len(str(m.get("content", ""))) // 4 for m in messages) + len(answer) // 4


async def test_metrics_count_known_traffic(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    port = free_port()
    bot = await start_bot(METRICS_PORT=str(port), GROQ_MAX_RETRIES="0")
    fake_groq.fail_next("rate_limit", retry_after=0.05)
    for n in range(3):
        bot.telegram.send_text(USER + n, f"q{n}")
    for n in range(3):
        await bot.replies(USER + n, 1)
        await bot.settled(USER + n)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        text = await response.text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("bot_turns_total", (("outcome", "answered"),))] == 3
    assert samples[("bot_model_rate_limited_total", ())] == 1
    assert samples[("bot_telegram_retry_after_total", ())] == 0
    assert samples[("bot_turn_seconds_count", ())] == 3
    assert samples[("bot_queue_wait_seconds_count", ())] == 4  # three turns, one 429 again
    answered = fake_groq.requests[1:]  # the first got the 429: no usage counted for it
    prompt = sum(_usage_of_request(body, "") for body in answered)
    assert samples[("bot_model_tokens_total", (("direction", "prompt"),))] == prompt
    assert samples[("bot_live_conversations", ())] == 3


async def reachable(host: str, port: int) -> bool:
    """Whether a TCP connection to host:port is accepted."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="all of 127/8 is loopback only on Linux")
@pytest.mark.parametrize(
    ("host", "listens", "not_on"),
    [(None, "127.0.0.1", "127.0.0.2"), ("127.0.0.2", "127.0.0.2", "127.0.0.1")],
    ids=["default", "METRICS_HOST"],
)
async def test_metrics_listen_where_metrics_host_says_loopback_by_default(
    start_bot: StartBot, host: str | None, listens: str, not_on: str
) -> None:
    """A socket on 0.0.0.0 would take a connection to any address: 127.0.0.2 shows it."""
    port = free_port()
    await start_bot(METRICS_PORT=str(port), **({"METRICS_HOST": host} if host else {}))
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://{listens}:{port}/metrics") as response,
    ):
        assert response.status == 200
    assert not await reachable(not_on, port)


@pytest.mark.parametrize("pacing", ["true", "false"])
async def test_the_pacer_keeps_answers_under_telegrams_limits(
    start_bot: StartBot, fake_groq: FakeGroq, pacing: str
) -> None:
    """Private chats with bursts, a group, streamed previews: no 429 when paced (and,
    to show the fake's limits bite, some without the pacer)."""
    bot = await start_bot(TELEGRAM_PACING=pacing, STREAM_INTERVAL="0.05")
    bot.telegram.enforce_limits()  # Telegram's own: 30/s, 20/min a group, ~1/s a chat
    fake_groq.chunks, fake_groq.chunk_delay = 6, 0.02
    users = range(2000, 2025)
    for n in range(2):
        for user in users:
            bot.telegram.send_text(user, f"m{n}")
    for n in range(6):
        bot.telegram.send_text(USER, f"@test_bot g{n}", chat_id=-900)  # groups: addressed
    for user in users:
        assert await bot.replies(user, 2, timeout=60) == ["reply to: m0", "reply to: m1"]
    await bot.replies(-900, 6, timeout=60)
    await bot.settled(-900, timeout=60)
    if pacing == "true":
        group = [m.text for m in bot.telegram.visible(-900)]
        assert all(text.startswith("reply to: ") for text in group)  # the speaker, then g<n>
        assert [text.rsplit(": ", 1)[-1] for text in group] == [f"g{n}" for n in range(6)]
        assert bot.telegram.flood_refusals == 0
    else:
        assert bot.telegram.flood_refusals > 0
