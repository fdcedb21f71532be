"""The DialogStore's list of dialogs, run over every adapter: memory and a real Redis.

A chat keeps its dialogs: a new one sets the current aside, a resume brings one back, and the
oldest go past MAX_DIALOGS. A history written before dialogs were kept is the first of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.storage.base import Backend, DialogStore, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend

KEY = ChatKey(bot_id=1, chat_id=300)
TOPIC = ChatKey(bot_id=1, chat_id=300, thread_id=9)


def backend_for(url: str, max_dialogs: int = 3) -> Backend:
    options = StorageOptions(
        bot_id=1, max_messages=6, ttl_seconds=3600, max_dialogs=max_dialogs, prefix="dl"
    )
    if url == "memory://":
        return MemoryBackend.from_url(url, options)
    return RedisBackend.from_url(url, options)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[DialogStore]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    backend = backend_for(str(url))
    yield backend.dialogs
    for key in (KEY, TOPIC):
        for dialog in await backend.dialogs.dialogs(key):
            await backend.dialogs.delete(key, dialog.id)
    await backend.aclose()


def pair(text: str, at: float) -> list[ChatMessage]:
    return [ChatMessage.user(text, at=at), ChatMessage.assistant(f"re {text}", at=at + 0.5)]


async def talk(store: DialogStore, opens: str, *texts: str, at: float) -> None:
    """A dialog begun by message `opens`, one pair per text."""
    for n, text in enumerate(texts):
        await store.replace_last(KEY, 0, pair(text, at + n), opens=opens if n == 0 else "")


async def test_a_new_dialog_keeps_the_old_one(store: DialogStore) -> None:
    await talk(store, "10", "first", "second", at=100)
    await store.begin(KEY)
    assert await store.load(KEY) == []
    [kept] = await store.dialogs(KEY)
    assert (kept.id, kept.messages, kept.current, kept.last_at) == ("10", 4, False, 101.5)


async def test_dialogs_are_listed_newest_first_with_the_current_on_top(
    store: DialogStore,
) -> None:
    await talk(store, "10", "a", at=100)
    await store.begin(KEY)
    await talk(store, "20", "b", at=300)
    await store.begin(KEY)
    await talk(store, "30", "c", at=200)
    assert [(d.id, d.current) for d in await store.dialogs(KEY)] == [
        ("30", True),
        ("20", False),
        ("10", False),
    ]


async def test_a_resumed_dialog_continues_where_it_was(store: DialogStore) -> None:
    await talk(store, "10", "a", at=100)
    await store.begin(KEY)
    await talk(store, "20", "b", at=200)
    resumed = await store.resume(KEY, "10")
    assert resumed is not None and resumed.current and resumed.id == "10"
    assert [m.content for m in await store.load(KEY)] == ["a", "re a"]
    await store.replace_last(KEY, 0, pair("a2", 300))
    await store.resume(KEY, "20")
    assert [m.content for m in await store.load(KEY)] == ["b", "re b"]
    await store.resume(KEY, "10")
    assert [m.content for m in await store.load(KEY)] == ["a", "re a", "a2", "re a2"]
    assert await store.resume(KEY, "10") is None  # already current
    assert await store.resume(KEY, "99") is None


async def test_titles_and_renames_follow_the_dialog(store: DialogStore) -> None:
    await talk(store, "10", "a", at=100)
    assert await store.rename(KEY, "10", "Cats")
    await store.begin(KEY)
    await talk(store, "20", "b", at=200)
    assert await store.rename(KEY, "20", "Dogs")
    assert not await store.rename(KEY, "99", "Nothing")
    await store.resume(KEY, "10")
    titles = {d.id: (d.title, d.current) for d in await store.dialogs(KEY)}
    assert titles == {"10": ("Cats", True), "20": ("Dogs", False)}


async def test_delete_forgets_one_dialog(store: DialogStore) -> None:
    await talk(store, "10", "a", at=100)
    await store.begin(KEY)
    await talk(store, "20", "b", at=200)
    assert await store.delete(KEY, "10")
    assert [d.id for d in await store.dialogs(KEY)] == ["20"]
    assert await store.delete(KEY, "20")  # the current one: the chat starts afresh
    assert await store.dialogs(KEY) == []
    assert await store.load(KEY) == []
    assert not await store.delete(KEY, "20")


async def test_the_least_recently_written_go_past_max_dialogs(store: DialogStore) -> None:
    for n, at in ((1, 500), (2, 100), (3, 300), (4, 400)):  # MAX_DIALOGS is 3 here
        await talk(store, str(n), f"d{n}", at=at)
        await store.begin(KEY)
    assert sorted(d.id for d in await store.dialogs(KEY)) == ["1", "4"]
    await talk(store, "5", "d5", at=600)
    await store.resume(KEY, "4")  # the resumed one stays though it is not the newest
    assert sorted(d.id for d in await store.dialogs(KEY)) == ["1", "4", "5"]


async def test_a_history_from_before_dialogs_is_the_earlier_dialog(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, pair("old", 50))  # as the previous release wrote it
    [old] = await store.dialogs(KEY)
    assert old.current and old.earlier and old.title == ""
    await store.begin(KEY)
    await talk(store, "20", "b", at=200)
    [current, earlier] = await store.dialogs(KEY)
    assert (current.id, earlier.earlier, earlier.messages) == ("20", True, 2)
    assert await store.rename(KEY, earlier.id, "Old times")
    await store.resume(KEY, earlier.id)
    assert [m.content for m in await store.load(KEY)] == ["old", "re old"]
    [current, _] = await store.dialogs(KEY)
    assert (current.title, current.current) == ("Old times", True)


async def test_topics_keep_their_own_dialogs(store: DialogStore) -> None:
    await talk(store, "10", "a", at=100)
    await store.replace_last(TOPIC, 0, pair("t", 150), opens="11")
    await store.begin(KEY)
    assert [d.id for d in await store.dialogs(TOPIC)] == ["11"]
    assert [m.content for m in await store.load(TOPIC)] == ["t", "re t"]
