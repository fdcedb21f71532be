"""The DialogStore contract, run over every adapter: memory and a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bot.core.chat import ChatKey
from bot.core.errors import StorageUnavailable
from bot.core.messages import ChatMessage
from bot.storage.base import Backend, DialogStore, StorageOptions
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend

KEY = ChatKey(bot_id=1, chat_id=100)
OTHER = ChatKey(bot_id=1, chat_id=200)
TOPIC = ChatKey(bot_id=1, chat_id=100, thread_id=7)  # a forum topic is a dialog of its own


def backend_for(url: str, *, ttl_seconds: int = 3600, prefix: str = "groqbot") -> Backend:
    options = StorageOptions(bot_id=1, max_messages=6, ttl_seconds=ttl_seconds, prefix=prefix)
    if url == "memory://":
        return MemoryBackend.from_url(url, options)
    return RedisBackend.from_url(url, options)


@pytest.fixture(params=["memory", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def store(url: str) -> AsyncIterator[DialogStore]:
    backend = backend_for(url)
    yield backend.dialogs
    for key in (KEY, OTHER, TOPIC):
        await forget(backend.dialogs, key)
    await backend.aclose()


async def forget(store: DialogStore, key: ChatKey) -> None:
    """Every dialog of the chat deleted, so the next test starts afresh."""
    for dialog in await store.dialogs(key):
        await store.delete(key, dialog.id)


def pair(n: int) -> list[ChatMessage]:
    return [ChatMessage.user(f"q{n}"), ChatMessage.assistant(f"a{n}")]


async def test_a_new_dialog_is_empty(store: DialogStore) -> None:
    assert await store.load(KEY) == []


async def test_append_then_load_keeps_order(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, pair(1))
    await store.replace_last(KEY, 0, pair(2))
    assert await store.load(KEY) == [*pair(1), *pair(2)]


async def test_the_cap_keeps_the_newest(store: DialogStore) -> None:
    for n in range(5):
        await store.replace_last(KEY, 0, pair(n))
    assert await store.load(KEY) == [*pair(2), *pair(3), *pair(4)]


async def test_deleting_the_current_dialog_forgets_it(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, pair(1))
    await forget(store, KEY)
    assert await store.load(KEY) == []


async def test_chats_are_isolated(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, pair(1))
    await store.replace_last(OTHER, 0, pair(2))
    await store.replace_last(TOPIC, 0, pair(3))
    await forget(store, OTHER)
    assert await store.load(KEY) == pair(1)
    assert await store.load(OTHER) == []
    assert await store.load(TOPIC) == pair(3)


async def test_loaded_lists_are_copies(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, pair(1))
    loaded = await store.load(KEY)
    loaded.append(ChatMessage.user("sneaky"))
    assert await store.load(KEY) == pair(1)


async def test_concurrent_appends_never_split_a_pair(store: DialogStore) -> None:
    await asyncio.gather(*(store.replace_last(KEY, 0, pair(n)) for n in range(3)))
    loaded = await store.load(KEY)
    assert len(loaded) == 6
    for user, assistant in zip(loaded[::2], loaded[1::2], strict=True):
        assert user.content[1:] == assistant.content[1:]


async def test_a_dialog_is_forgotten_a_ttl_after_its_last_write(url: str) -> None:
    backend = backend_for(url, ttl_seconds=2)
    store = backend.dialogs
    try:
        await store.replace_last(KEY, 0, pair(1))
        await asyncio.sleep(1.2)
        await store.replace_last(KEY, 0, pair(2))  # the whole dialog lives 2 s from here
        await asyncio.sleep(1.2)  # past the first write's 2 s
        assert await store.load(KEY) == [*pair(1), *pair(2)]
        await asyncio.sleep(1.0)  # past the second's
        assert await store.load(KEY) == []
    finally:
        await forget(store, KEY)
        await backend.aclose()


async def test_each_backend_takes_only_its_own_urls() -> None:
    options = StorageOptions(bot_id=1, max_messages=4, ttl_seconds=60)
    with pytest.raises(ValueError, match="memory"):
        MemoryBackend.from_url("redis://localhost", options)
    with pytest.raises(ValueError, match="redis://"):
        RedisBackend.from_url("mongodb://x", options)


async def test_replace_last_swaps_the_last_answer(store: DialogStore) -> None:
    await store.replace_last(KEY, 0, [*pair(1), *pair(2)])
    await store.replace_last(KEY, 2, pair(3))
    assert await store.load(KEY) == [*pair(1), *pair(3)]
    await store.replace_last(OTHER, 2, pair(4))  # nothing to replace: just appends
    assert await store.load(OTHER) == pair(4)


async def test_redis_keys_are_versioned_json_with_a_ttl(redis_url: str) -> None:
    backend = RedisBackend.from_url(
        redis_url, StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    )
    store, redis = backend.dialogs, backend.redis
    await store.replace_last(KEY, 0, pair(1))
    await store.replace_last(TOPIC, 0, pair(2))
    name = "t:v2:1:dialog:100"  # prefix, key layout, bot id, kind, chat
    assert 3500 < await redis.ttl(name) <= 3600
    raw = await redis.lrange(name, 0, -1)
    assert json.loads(raw[0]) == {
        "v": 2,
        "role": "user",
        "content": "q1",
        "speaker": "",
        "at": 0.0,
    }
    assert await redis.llen("t:v2:1:dialog:100:7") == 2  # the topic's own list
    await redis.rpush(name, json.dumps({"v": 99, "role": "user", "content": "?"}))
    assert await store.load(KEY) == pair(1)  # an unknown schema is skipped, not misread
    await backend.aclose()


async def test_messages_keep_their_speaker_and_time(store: DialogStore) -> None:
    said = [ChatMessage.user("q", speaker="Ann", at=1.5), ChatMessage.assistant("a", at=2.5)]
    await store.replace_last(KEY, 0, said)
    loaded = await store.load(KEY)
    assert [(m.role, m.content, m.speaker, m.at) for m in loaded] == [
        (m.role, m.content, m.speaker, m.at) for m in said
    ]


async def test_messages_of_schema_1_are_still_read(redis_url: str) -> None:
    backend = backend_for(redis_url)
    name = backend.keys.dialog(KEY)  # type: ignore[attr-defined]
    await backend.redis.rpush(  # type: ignore[attr-defined]
        name, json.dumps({"v": 1, "role": "user", "content": "old"})
    )
    assert await backend.dialogs.load(KEY) == [ChatMessage.user("old")]
    await forget(backend.dialogs, KEY)
    await backend.aclose()


async def test_a_redis_that_is_down_is_unavailable() -> None:
    backend = backend_for("redis://127.0.0.1:9/0")
    with pytest.raises(StorageUnavailable):
        await backend.start()
    assert not await backend.ready()
    with pytest.raises(StorageUnavailable):
        await backend.dialogs.load(KEY)
    await backend.aclose()


async def test_images_are_kept_as_references(store: DialogStore) -> None:
    shown = [ChatMessage.user("what is this?", ("file-1", "file-2")), ChatMessage.assistant("a")]
    await store.replace_last(KEY, 0, shown)
    loaded = await store.load(KEY)
    assert loaded == shown
    assert loaded[0].images == ("file-1", "file-2")


async def test_redis_writes_v2_with_images_only_when_shown_and_reads_v1(redis_url: str) -> None:
    backend = RedisBackend.from_url(
        redis_url, StorageOptions(bot_id=1, max_messages=6, ttl_seconds=3600, prefix="t")
    )
    store, redis = backend.dialogs, backend.redis
    await store.replace_last(
        KEY, 0, [ChatMessage.user("look", ("f1",)), ChatMessage.assistant("ok")]
    )
    name = "t:v2:1:dialog:100"
    raw = await redis.lrange(name, 0, -1)
    meta = {"speaker": "", "at": 0.0}
    assert json.loads(raw[0]) == {
        "v": 2,
        "role": "user",
        "content": "look",
        **meta,
        "images": ["f1"],
    }
    assert json.loads(raw[1]) == {
        "v": 2,
        "role": "assistant",
        "content": "ok",
        **meta,
    }  # no images
    await redis.rpush(name, json.dumps({"v": 1, "role": "user", "content": "v1"}))  # still read
    assert await store.load(KEY) == [
        ChatMessage.user("look", ("f1",)),
        ChatMessage.assistant("ok"),
        ChatMessage.user("v1"),
    ]
    await forget(store, KEY)
    await backend.aclose()
