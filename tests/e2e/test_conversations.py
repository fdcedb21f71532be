"""What users meet: every message answered, in order, on its own dialog, whatever fails."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.core.fsm import ConversationStates
from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.texts import EN, RU
from tests.e2e.conftest import StartBot
from tests.e2e.prompt_helpers import dialog_of, user_turns
from tests.support.fake_groq import FakeGroq


async def test_rapid_messages_of_many_users_are_answered_in_order_on_their_own_history(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    rng = random.Random(7)
    fake_groq.latency = lambda: rng.uniform(0, 0.03)
    bot = await start_bot()
    users = [1001 + n for n in range(5)]
    order = [(user, n) for n in range(20) for user in users]
    rng.shuffle(order)  # interleave users, but each user's own messages stay in sequence
    sequence = {user: 0 for user in users}
    for user, _ in order:
        bot.telegram.send_text(user, f"u{user}-m{sequence[user]}")
        sequence[user] += 1

    for user in users:
        replies = await bot.replies(user, 20, timeout=60)
        assert replies == [f"reply to: u{user}-m{n}" for n in range(20)]

    assert len(fake_groq.requests) == 100
    for request in fake_groq.requests:
        turns = user_turns(request)
        owner = turns[-1].split("-")[0]
        n = len(turns) - 1
        # the whole history of that user, and of that user only, in the order it happened
        expected: list[tuple[str, str]] = []
        for k in range(n):
            expected += [("user", f"{owner}-m{k}"), ("assistant", f"reply to: {owner}-m{k}")]
        assert dialog_of(request)[1:] == [*expected, ("user", f"{owner}-m{n}")]
        assert dialog_of(request)[0][0] == "system"


async def test_a_model_failure_mid_burst_answers_that_message_with_a_notice_only(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_when(lambda messages: messages[-1]["content"] == "m2", "server_error")
    bot = await start_bot()
    for n in range(5):
        bot.telegram.send_text(7, f"m{n}")

    replies = await bot.replies(7, 5)
    assert replies == [
        "reply to: m0",
        "reply to: m1",
        EN.model_unavailable,
        "reply to: m3",
        "reply to: m4",
    ]
    last = fake_groq.requests[-1]
    assert "m2" not in user_turns(last)  # the failed turn left nothing dangling
    assert user_turns(last) == ["m0", "m1", "m3", "m4"]


async def test_start_resets_the_dialog_and_greets_by_name(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(5, "remember: my cat is Tom")
    await bot.replies(5, 1)
    bot.telegram.send_text(5, "/start", first_name="Anna")
    await bot.replies(5, 2)
    greeting = bot.telegram.sent_to(5)[1]
    assert greeting.text == EN.greeting("Anna")
    assert greeting.reply_markup is not None
    bot.telegram.send_text(5, "what is my cat's name?")
    await bot.replies(5, 3)
    assert dialog_of(fake_groq.requests[-1])[1:] == [("user", "what is my cat's name?")]


async def test_new_dialog_button_in_russian_resets_and_answers_in_russian(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(6, "привет", language_code="ru")
    await bot.replies(6, 1)
    bot.telegram.send_text(6, RU.button_new_dialog, language_code="ru")
    replies = await bot.replies(6, 2)
    assert replies[1] == RU.new_dialog
    bot.telegram.send_text(6, "снова", language_code="ru")
    await bot.replies(6, 3)
    assert user_turns(fake_groq.requests[-1]) == ["снова"]


async def test_a_rate_limited_model_call_is_retried(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("rate_limit", retry_after=0.2)
    bot = await start_bot()
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 2


async def test_rate_limited_beyond_the_retries_waits_and_answers(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    """The SDK's retries spent, the turn waits out retry-after in the scheduler's queue."""
    fake_groq.fail_next("rate_limit", count=2, retry_after=0.1)
    bot = await start_bot()
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 3


async def test_rate_limited_for_longer_than_the_timeout_tells_the_user(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("rate_limit", count=1000, retry_after=0.2)
    bot = await start_bot(GROQ_REQUEST_TIMEOUT="1", GROQ_MAX_RETRIES="0")
    bot.telegram.send_text(8, "hello")
    assert await bot.replies(8, 1) == [EN.model_rate_limited]
    fake_groq.clear_faults()
    bot.telegram.send_text(8, "again")
    assert (await bot.replies(8, 2))[1] == "reply to: again"
    bot.telegram.send_text(8, "again")
    assert (await bot.replies(8, 2))[1] == "reply to: again"
    assert user_turns(fake_groq.requests[-1]) == ["again"]


async def test_a_slow_model_ends_in_a_timeout_notice(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.fail_next("timeout", count=2)
    bot = await start_bot(GROQ_REQUEST_TIMEOUT="0.3")
    bot.telegram.send_text(9, "are you there?")
    assert await bot.replies(9, 1) == [EN.model_timeout]
    assert len(fake_groq.requests) == 2  # one SDK retry, so at most about two timeouts


async def test_a_long_reply_arrives_whole_in_parts(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    paragraphs = [f"Paragraph {n}: " + "lorem ipsum dolor sit amet " * 12 for n in range(28)]
    paragraphs = [p.strip() for p in paragraphs]
    long_reply = "\n\n".join(paragraphs)
    assert len(long_reply) > 9000
    fake_groq.responder = lambda messages: long_reply
    bot = await start_bot()
    bot.telegram.send_text(10, "tell me a lot")
    await bot.telegram.wait_until(lambda: len(bot.telegram.sent_to(10)) >= 3)
    await asyncio.sleep(0.2)
    parts = [m.text for m in bot.telegram.sent_to(10)]
    assert len(parts) == 3
    assert all(utf16_len(part) <= TELEGRAM_TEXT_LIMIT for part in parts)
    assert "\n\n".join(parts) == long_reply  # cut only at paragraph breaks, nothing lost
    bot.telegram.send_text(10, "thanks")
    await bot.replies(10, 4)
    assert dialog_of(fake_groq.requests[-1])[2] == ("assistant", long_reply)


async def test_replies_quote_their_message_only_when_several_are_waiting(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    single = bot.telegram.send_text(11, "alone")
    await bot.replies(11, 1)
    assert bot.telegram.sent_to(11)[0].reply_to_message_id is None

    fake_groq.latency = 0.1
    burst = [bot.telegram.send_text(11, f"q{n}") for n in range(3)]
    await bot.replies(11, 4)
    quoted = [m.reply_to_message_id for m in bot.telegram.sent_to(11)[1:]]
    assert quoted == [u["message"]["message_id"] for u in burst]
    assert single["message"]["message_id"] not in quoted


async def test_state_is_awaiting_reply_while_turns_are_pending_then_idle(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 0.5
    bot = await start_bot()
    bot.telegram.send_text(12, "slow one")
    await fake_groq.wait_for_requests(1)
    assert await bot.state(12) == ConversationStates.awaiting_reply.state
    await bot.replies(12, 1)
    await asyncio.sleep(0.05)
    assert await bot.state(12) == ConversationStates.idle.state


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_a_full_inbox_refuses_with_a_notice_and_loses_nothing_it_accepted(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str, request: pytest.FixtureRequest
) -> None:
    fake_groq.latency = 0.3
    url = request.getfixturevalue("redis_url") if storage == "redis" else "memory://"
    bot = await start_bot(INBOX_SIZE="2", STORAGE_URL=url)
    updates = [bot.telegram.send_text(13, f"m{n}") for n in range(5)]
    await bot.replies(13, 3)
    await bot.settled(13)
    sent = bot.telegram.sent_to(13)
    # two may wait (the one in progress counts); the 3rd to 5th are refused, told once, quoted
    refusals = [m.reply_to_message_id for m in sent if m.text == EN.inbox_full(2)]
    assert refusals == [updates[2]["message"]["message_id"]]
    assert [m.text for m in sent if m.text != EN.inbox_full(2)] == ["reply to: m0", "reply to: m1"]


async def test_an_idle_actor_stops_and_the_next_message_continues_the_dialog(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(ACTOR_IDLE_TIMEOUT="0.2")
    bot.telegram.send_text(14, "first")
    await bot.replies(14, 1)
    assert len(bot.conversations.placement) == 1
    for _ in range(100):
        if len(bot.conversations.placement) == 0:
            break
        await asyncio.sleep(0.05)
    assert len(bot.conversations.placement) == 0
    bot.telegram.send_text(14, "second")
    assert await bot.replies(14, 2) == ["reply to: first", "reply to: second"]
    assert user_turns(fake_groq.requests[-1]) == ["first", "second"]


async def test_commands_help_unknown_and_non_text(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.send_text(15, "/help")
    bot.telegram.send_text(15, EN.button_help)
    bot.telegram.send_text(15, "/frobnicate")
    location = {"latitude": 55.75, "longitude": 37.62}  # photos are read now (test_media.py)
    bot.telegram.push(bot.telegram.message_update(15, location=location))
    bot.telegram.push(bot.telegram.message_update(15, sticker=_sticker()))
    help_ = EN.help + EN.help_model_template.format(model="openai/gpt-oss-120b")
    assert await bot.replies(15, 5) == [
        help_,
        help_,
        EN.unknown_command,
        EN.non_text,
        EN.non_text,
    ]
    assert fake_groq.requests == []


async def test_telegram_flood_limit_is_waited_out(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )
    bot.telegram.send_text(16, "hi")
    assert await bot.replies(16, 1) == ["reply to: hi"]


async def test_a_user_who_blocked_the_bot_costs_nothing_and_keeps_no_history(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    bot.telegram.send_text(17, "one")
    await fake_groq.wait_for_requests(1)
    bot.telegram.send_text(17, "two")
    assert await bot.replies(17, 1) == ["reply to: two"]
    assert user_turns(fake_groq.requests[-1]) == ["two"]


async def test_a_send_error_tells_the_user_and_commits_nothing(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    bot.telegram.fail_next("sendMessage", error_code=400, description="Bad Request: something odd")
    bot.telegram.send_text(18, "one")
    assert await bot.replies(18, 1) == [EN.send_failed]
    bot.telegram.send_text(18, "two")
    assert (await bot.replies(18, 2))[1] == "reply to: two"
    assert user_turns(fake_groq.requests[-1]) == ["two"]


async def test_allow_list_refuses_strangers(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot(ALLOWED_USER_IDS="19")
    bot.telegram.send_text(20, "let me in")
    bot.telegram.send_text(19, "hello")
    assert await bot.replies(20, 1) == [EN.not_allowed]
    assert await bot.replies(19, 1) == ["reply to: hello"]
    assert len(fake_groq.requests) == 1


async def test_per_user_rate_limit(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot(RATE_LIMIT_MESSAGES="2", RATE_LIMIT_WINDOW="60")
    for n in range(3):
        bot.telegram.send_text(21, f"m{n}")
    bot.telegram.send_text(22, "other user")
    replies = await bot.replies(21, 3)
    assert sorted(replies) == sorted([EN.rate_limited, "reply to: m0", "reply to: m1"])
    assert await bot.replies(22, 1) == ["reply to: other user"]


def _sticker() -> dict[str, object]:
    return {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }


async def test_context_too_long_is_retried_once_with_half_the_budget(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot(HISTORY_MAX_TOKENS="600", SYSTEM_PROMPT="be brief")
    for n in range(6):
        bot.telegram.send_text(23, f"question {n} " + "x" * 160)
    await bot.replies(23, 6)
    fake_groq.fail_next("context_too_long")
    bot.telegram.send_text(23, "and now?")
    assert (await bot.replies(23, 7))[6] == "reply to: and now?"
    refused, retried = fake_groq.requests[-2:]
    assert user_turns(refused)[-1] == user_turns(retried)[-1] == "and now?"
    assert len(retried["messages"]) < len(refused["messages"])
    size = sum(len(m["content"]) for m in retried["messages"])
    assert size <= 300 * 4  # half of the 600-token budget, at 4 bytes a token


async def test_typing_is_shown_while_the_model_works(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 0.3
    bot = await start_bot()
    bot.telegram.send_text(24, "think hard")
    await bot.replies(24, 1)
    assert (24, "typing") in bot.telegram.chat_actions


async def test_service_messages_get_no_answer(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot()
    joined = {"id": 26, "is_bot": False, "first_name": "New"}
    bot.telegram.push(bot.telegram.message_update(25, chat_id=-100, new_chat_members=[joined]))
    bot.telegram.push(bot.telegram.message_update(25, location={"latitude": 1, "longitude": 2}))
    assert await bot.replies(25, 1) == [EN.non_text]
    assert bot.telegram.sent_to(-100) == []


async def test_markdown_arrives_formatted_and_the_model_keeps_its_own_words(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    answer = "**Bold** and `code` for <div> & x_y, _done_ 😀"
    fake_groq.responder = lambda messages: answer
    bot = await start_bot()
    bot.telegram.send_text(27, "format please")
    await bot.replies(27, 1)
    sent = bot.telegram.sent_to(27)[0]
    assert sent.text == "Bold and code for <div> & x_y, done 😀"
    assert sent.entities is not None
    assert sorted((e["type"], e["offset"], e["length"]) for e in sent.entities) == [
        ("bold", 0, 4),
        ("code", 9, 4),
        ("italic", 31, 4),
    ]
    bot.telegram.send_text(27, "next")
    await bot.replies(27, 2)
    assert dialog_of(fake_groq.requests[-1])[2] == ("assistant", answer)


async def test_a_reply_refused_for_its_entities_arrives_as_plain_text(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.responder = lambda messages: "**important** answer"
    bot = await start_bot()
    bot.telegram.fail_next(
        "sendMessage", error_code=400, description="Bad Request: can't parse entities"
    )
    bot.telegram.send_text(28, "hi")
    await bot.replies(28, 1)
    sent = bot.telegram.sent_to(28)[0]
    assert sent.text == "important answer"
    assert not sent.entities
    bot.telegram.send_text(28, "again")
    await bot.replies(28, 2)
    assert user_turns(fake_groq.requests[-1]) == ["hi", "again"]  # the turn was committed


async def test_a_long_code_block_is_closed_and_reopened_across_parts(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    code = "\n".join(f"line_{n} = {n} * 2  # compute" for n in range(400))
    fake_groq.responder = lambda messages: f"Here:\n\n```python\n{code}\n```\n\nDone."
    bot = await start_bot()
    bot.telegram.send_text(29, "long code")
    await bot.telegram.wait_until(lambda: len(bot.telegram.sent_to(29)) >= 4)
    parts = bot.telegram.sent_to(29)
    pres = [[e for e in (m.entities or []) if e["type"] == "pre"] for m in parts]
    assert all(len(p) == 1 and p[0]["language"] == "python" for p in pres[:-1] if p)
    assert sum(1 for p in pres if p) >= 3  # the block spans parts, each one valid alone
    assert "".join(m.text for m in parts).count("# compute") == 400


async def test_cancel_stops_the_answer_and_drops_the_queue(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    fake_groq.latency = 2.0
    bot = await start_bot()
    first = bot.telegram.send_text(30, "m0")
    for n in range(1, 4):
        bot.telegram.send_text(30, f"m{n}")
    await fake_groq.wait_for_requests(1)
    bot.telegram.send_text(30, "/cancel")
    replies = await bot.replies(30, 2)
    assert EN.cancelled(stopped=True, dropped=3) in replies
    stopped = next(m for m in bot.telegram.sent_to(30) if m.text == EN.stopped)
    assert stopped.reply_to_message_id == first["message"]["message_id"]
    assert len(fake_groq.requests) == 1  # the dropped messages never reached the model
    await asyncio.sleep(0.05)
    assert await bot.state(30) == ConversationStates.idle.state

    fake_groq.latency = 0
    bot.telegram.send_text(30, "/cancel")
    assert (await bot.replies(30, 3))[2] == EN.cancel_nothing
    bot.telegram.send_text(30, "fresh")
    assert (await bot.replies(30, 4))[3] == "reply to: fresh"
    assert user_turns(fake_groq.requests[-1]) == ["fresh"]  # a stopped turn left nothing


async def test_retry_replaces_the_last_answer(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    versions = iter(["first take", "second take", "about next"])
    fake_groq.responder = lambda messages: next(versions)
    bot = await start_bot()
    bot.telegram.send_text(31, "/retry")
    assert await bot.replies(31, 1) == [EN.retry_nothing]
    bot.telegram.send_text(31, "question")
    await bot.replies(31, 2)
    bot.telegram.send_text(31, "/retry")
    assert (await bot.replies(31, 3))[1:] == ["first take", "second take"]
    assert dialog_of(fake_groq.requests[-1])[1:] == [("user", "question")]
    bot.telegram.send_text(31, "next")
    await bot.replies(31, 4)
    assert dialog_of(fake_groq.requests[-1])[1:] == [
        ("user", "question"),
        ("assistant", "second take"),
        ("user", "next"),
    ]


async def test_commands_are_registered_in_english_and_russian(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    registered = [params for method, params in bot.telegram.calls if method == "setMyCommands"]
    by_menu = {(p.get("language_code"), p["scope"]["type"]): p["commands"] for p in registered}
    scopes = {"all_private_chats", "all_group_chats"}
    assert set(by_menu) == {(language, scope) for language in (None, "ru") for scope in scopes}
    for (language, _), commands in by_menu.items():
        assert [c["command"] for c in commands] == [
            *("start", "help", "cancel", "retry", "settings", "model", "system", "export"),
            *("usage", "new", "dialogs"),
        ]
        texts = RU if language == "ru" else EN
        assert commands[2]["description"] == texts.command_cancel
        assert commands[7]["description"] == texts.command_export
