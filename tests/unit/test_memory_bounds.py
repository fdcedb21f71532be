"""Memory mode keeps what active chats need, not every chat ever seen: strangers leave no FSM
entry, and quiet chats' FSM states and dialogs are pruned soon after their TTL passes."""

from __future__ import annotations

import datetime

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import Chat, Message, Update, User

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage
from bot.storage.memory.dialog import MemoryDialogStore
from bot.storage.memory.fsm import MemoryFSMStorage

TTL = 3600.0
BOT_ID = 4242
ACTIVE = range(1, 11)
QUIET = range(10_000, 12_000)
STRANGERS = range(50_000, 52_000)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def fsm_key(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=chat_id, user_id=chat_id)


def update(user_id: int) -> Update:
    message = Message(
        message_id=1,
        date=datetime.datetime.now(datetime.UTC),
        chat=Chat(id=user_id, type="private"),
        from_user=User(id=user_id, is_bot=False, first_name="U"),
        text="let me in",
    )
    return Update(update_id=user_id, message=message)


async def test_memory_follows_active_chats() -> None:
    clock = Clock()
    fsm = MemoryFSMStorage(TTL, clock=clock)
    dialogs = MemoryDialogStore(max_messages=10, ttl_seconds=TTL, clock=clock)
    # aiogram's own FSM middleware reads the state of every update's chat, ours or not
    dp = Dispatcher(storage=fsm, fsm_strategy=FSMStrategy.CHAT)
    assert dp.fsm.storage is fsm
    bot = Bot(f"{BOT_ID}:TEST-TOKEN")
    busy = State("busy")

    async def active_chats_talk() -> None:
        for chat_id in ACTIVE:
            await fsm.set_state(fsm_key(chat_id), busy)
            await dialogs.replace_last(ChatKey(BOT_ID, chat_id), 0, [ChatMessage.user("q")])

    for step in range(20):  # the active chats talk every tenth of a TTL, for two TTLs
        clock.now += TTL / 10
        await active_chats_talk()
        if step == 5:  # 2,000 chats talk once, then go quiet
            for chat_id in QUIET:
                await fsm.set_state(fsm_key(chat_id), busy)
                await dialogs.replace_last(ChatKey(BOT_ID, chat_id), 0, [ChatMessage.user("q")])
        if step == 8:  # 2,000 strangers, refused, each seen once
            for user_id in STRANGERS:
                await dp.feed_update(bot, update(user_id))
        if step == 18:  # the quiet chats' TTL passed at step 15; 40 writes since
            assert fsm.size == len(ACTIVE)
            assert dialogs.size == len(ACTIVE)
    assert await fsm.get_state(fsm_key(QUIET[0])) is None
    assert await dialogs.load(ChatKey(BOT_ID, QUIET[0])) == []
    assert await fsm.get_state(fsm_key(ACTIVE[0])) == busy.state
    await bot.session.close()


@pytest.mark.parametrize("write", ["state", "data"])
async def test_a_quiet_chat_is_forgotten_after_the_ttl(write: str) -> None:
    clock = Clock()
    fsm = MemoryFSMStorage(TTL, clock=clock)
    key = fsm_key(1)
    if write == "state":
        await fsm.set_state(key, "s")
    else:
        await fsm.set_data(key, {"a": 1})
    clock.now += TTL - 1
    assert (await fsm.get_state(key), await fsm.get_data(key)) != (None, {})
    clock.now += 1
    assert (await fsm.get_state(key), await fsm.get_data(key)) == (None, {})


async def test_reads_create_nothing_and_an_emptied_record_is_dropped() -> None:
    fsm = MemoryFSMStorage(TTL)
    key = fsm_key(1)
    assert await fsm.get_state(key) is None
    assert await fsm.get_data(key) == {}
    assert await fsm.get_value(key, "x", 5) == 5
    assert fsm.size == 0
    await fsm.set_state(key, "s")
    await fsm.set_state(key, None)
    assert fsm.size == 0
