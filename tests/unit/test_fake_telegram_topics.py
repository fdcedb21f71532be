"""The fake Telegram's forum topics, driven by a real aiogram Bot: private-chat topics as the
Bot API 9.3+ has them, so the bot's tests of topic mode meet what Telegram does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest

from tests.support.fake_telegram import FakeTelegram

USER = 777
GROUP = -100500


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(fake_telegram.url)
    bot = Bot("4242:TEST", session=AiohttpSession(api=api))
    yield bot
    await bot.session.close()


@pytest.fixture
def topics_on(fake_telegram: FakeTelegram) -> FakeTelegram:
    fake_telegram.topics_enabled = True
    return fake_telegram


async def refusal(call: Awaitable[Any]) -> str:
    """What Telegram answered the call, which it refused."""
    with pytest.raises(TelegramBadRequest) as refused:
        await call
    return refused.value.message


async def test_get_me_reports_the_topic_mode_and_nothing_else_changes(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    off = await bot.get_me()
    assert (off.has_topics_enabled, off.allows_users_to_create_topics) == (False, False)
    fake_telegram.topics_enabled = True
    on = await bot.get_me()
    assert (on.has_topics_enabled, on.allows_users_to_create_topics) == (True, True)
    assert (on.id, on.username, on.is_bot) == (4242, "test_bot", True)


async def test_a_private_chat_is_no_forum_without_topic_mode(bot: Bot) -> None:
    assert await refusal(bot.create_forum_topic(USER, "Taxes")) == (
        "Bad Request: the chat is not a forum"
    )
    assert await refusal(bot.edit_forum_topic(USER, 50_000, name="Taxes")) == (
        "Bad Request: the chat is not a forum"
    )


async def test_the_bot_creates_a_topic_and_writes_into_it(
    bot: Bot, topics_on: FakeTelegram
) -> None:
    topic = await bot.create_forum_topic(USER, "New chat")
    other = await bot.create_forum_topic(USER, "Another")
    assert topic.message_thread_id != other.message_thread_id
    assert (topic.name, topic.icon_color) == ("New chat", 0x6FB9F0)
    sent = await bot.send_message(USER, "hello", message_thread_id=topic.message_thread_id)
    assert (sent.message_thread_id, sent.is_topic_message) == (topic.message_thread_id, True)
    assert [m.thread_id for m in topics_on.sent_to(USER)] == [topic.message_thread_id]
    assert topics_on.topics[(USER, topic.message_thread_id)] == "New chat"
    created = [e for e in topics_on.events if e.method == "createForumTopic"]
    assert [(e.message_id, e.text) for e in created][0] == (topic.message_thread_id, "New chat")
    assert await bot.get_updates(timeout=0) == []  # no update of the bot's own service message


async def test_a_name_is_cleaned_and_cut_to_128_characters_but_never_empty(
    bot: Bot, topics_on: FakeTelegram
) -> None:
    long = await bot.create_forum_topic(USER, "  a  \n b " + "я" * 200)
    assert long.name == "a b " + "я" * 121  # cut to 128 first, then the spaces collapsed
    assert await refusal(bot.create_forum_topic(USER, " \n\u200b ")) == (
        "Bad Request: name must be non-empty"
    )


async def test_a_send_into_a_thread_that_is_no_topic_of_the_private_chat_is_refused(
    bot: Bot, topics_on: FakeTelegram
) -> None:
    assert await refusal(bot.send_message(USER, "hi", message_thread_id=12345)) == (
        "Bad Request: message thread not found"
    )
    topic = await bot.create_forum_topic(USER, "Gone soon")
    topics_on.delete_topic(USER, topic.message_thread_id)
    assert await refusal(
        bot.send_message_draft(
            USER, draft_id=7, text="…", message_thread_id=topic.message_thread_id
        )
    ) == ("Bad Request: message thread not found")
    assert topics_on.sent == [] and topics_on.drafts == []
    await bot.send_message(GROUP, "hi", message_thread_id=11)  # supergroup topics unchecked


async def test_drafts_and_edits_stay_in_their_topic(bot: Bot, topics_on: FakeTelegram) -> None:
    thread = (await bot.create_forum_topic(USER, "Chat")).message_thread_id
    await bot.send_message_draft(USER, draft_id=7, text="typing", message_thread_id=thread)
    sent = await bot.send_message(USER, "first", message_thread_id=thread)
    edited = await bot.edit_message_text("second", chat_id=USER, message_id=sent.message_id)
    assert [d.thread_id for d in topics_on.drafts] == [thread]
    assert not isinstance(edited, bool) and edited.message_thread_id == thread


async def test_edit_forum_topic_renames_and_refuses_as_telegram_does(
    bot: Bot, topics_on: FakeTelegram
) -> None:
    thread = (await bot.create_forum_topic(USER, "New chat")).message_thread_id
    assert await bot.edit_forum_topic(USER, thread, name="Tax question") is True
    assert topics_on.topics[(USER, thread)] == "Tax question"
    assert await bot.edit_forum_topic(USER, thread, name="") is True  # keeps the name
    assert topics_on.topics[(USER, thread)] == "Tax question"
    assert await refusal(bot.edit_forum_topic(USER, thread, name="Tax question")) == (
        "Bad Request: TOPIC_NOT_MODIFIED"
    )
    assert await refusal(bot.edit_forum_topic(USER, thread + 99, name="x")) == (
        "Bad Request: TOPIC_ID_INVALID"
    )
    assert await refusal(bot.edit_forum_topic(USER, thread, name="  ")) == (
        "Bad Request: name must be non-empty"
    )
    assert topics_on.topic_edits == [(USER, thread, "New chat"), (USER, thread, "Tax question")]
    assert [e.text for e in topics_on.events if e.method == "editForumTopic"] == ["Tax question"]


async def test_a_user_message_in_a_private_topic_reaches_the_bot_as_a_topic_message(
    bot: Bot, topics_on: FakeTelegram
) -> None:
    opened = topics_on.open_topic(USER, "Their topic", implicit=True)
    thread = opened["message"]["message_thread_id"]
    topics_on.push(opened, topics_on.private_topic_update(USER, "hi there", thread_id=thread))
    service, said = [u.message for u in await bot.get_updates(timeout=0)]
    assert service is not None and service.forum_topic_created is not None
    assert service.forum_topic_created.is_name_implicit is True
    assert said is not None and said.chat.type == "private" and said.chat.id == USER
    assert (said.message_thread_id, said.is_topic_message, said.text) == (thread, True, "hi there")
    with pytest.raises(AssertionError, match="no topic"):
        topics_on.private_topic_update(USER, "hi", thread_id=thread + 1)


async def test_a_forum_supergroup_gets_topics_too(bot: Bot, fake_telegram: FakeTelegram) -> None:
    assert await refusal(bot.create_forum_topic(GROUP, "News")) == (
        "Bad Request: the chat is not a forum"
    )
    fake_telegram.forums.add(GROUP)
    topic = await bot.create_forum_topic(GROUP, "News")
    assert fake_telegram.topics == {(GROUP, topic.message_thread_id): "News"}
