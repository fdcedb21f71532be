"""MemoryFSMStorage behaves as aiogram's MemoryStorage, checked side by side."""

from __future__ import annotations

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.storage.memory.fsm import MemoryFSMStorage

KEY = StorageKey(bot_id=1, chat_id=2, user_id=2)
OTHER = StorageKey(bot_id=1, chat_id=3, user_id=3)


@pytest.fixture(params=["aiogram", "ours"])
def storage(request: pytest.FixtureRequest) -> BaseStorage:
    return MemoryStorage() if request.param == "aiogram" else MemoryFSMStorage(3600)


async def test_state_as_state_or_string(storage: BaseStorage) -> None:
    await storage.set_state(KEY, State("a", group_name="G"))
    assert await storage.get_state(KEY) == "G:a"
    await storage.set_state(KEY, "plain")
    assert await storage.get_state(KEY) == "plain"
    assert await storage.get_state(OTHER) is None
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None


async def test_data_is_copied_in_and_out(storage: BaseStorage) -> None:
    given = {"items": [1]}
    await storage.set_data(KEY, given)
    given["other"] = []
    got = await storage.get_data(KEY)
    got["more"] = True
    assert await storage.get_data(KEY) == {"items": [1]}
    assert await storage.update_data(KEY, {"x": 2}) == {"items": [1], "x": 2}
    assert await storage.get_value(KEY, "x") == 2
    assert await storage.get_value(KEY, "missing", "default") == "default"
    assert await storage.get_data(OTHER) == {}


async def test_state_and_data_are_kept_apart(storage: BaseStorage) -> None:
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, "s")
    await storage.set_state(KEY, None)
    assert await storage.get_data(KEY) == {"a": 1}
    await storage.set_data(KEY, {})
    await storage.set_state(KEY, "s")
    assert await storage.get_data(KEY) == {}
    assert await storage.get_state(KEY) == "s"


async def test_data_must_be_a_dict(storage: BaseStorage) -> None:
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
