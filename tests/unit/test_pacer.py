"""The Telegram pacer (bot/delivery/pacer.py) on its own, through its session middleware, in
virtual time: a fake clock, and a sleep that only records the wait. Calls a test makes one
after another are made at the same instant, as concurrent turns' calls are; the time a call
reaches Telegram is that instant plus the pacer's wait."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    EditMessageText,
    Response,
    SendChatAction,
    SendMessage,
    SendMessageDraft,
    TelegramMethod,
)

from bot.delivery.pacer import Pacer, PacingMiddleware, deferrable

BOT = Bot("4242:TEST-TOKEN")  # never makes a request: the middleware's next step is a fake
MARGIN = 1.15  # the pacer's default: each window 15% longer than Telegram's
GAP = 1 / 30 * MARGIN  # the overall rate, evenly spread
CHAT_WINDOW = 3.0 * MARGIN  # a private chat: 3 in 3 s
GROUP_WINDOW = 60.0 * MARGIN  # a group: 20 a minute
EPSILON = 1e-9


class Paced:
    """A PacingMiddleware in front of a fake Telegram that can answer with a real 429."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self.pacer = Pacer(clock=lambda: self.now, sleep=self._sleep)
        self.retry_afters = 0  # the middleware's count of real 429s
        self.middleware = PacingMiddleware(self.pacer, self._counted)
        self.reached: list[str] = []  # the methods that reached Telegram, in order
        self.refuse: dict[str, int] = {}  # a method's next call: a 429 with this retry_after

    async def call(self, method: TelegramMethod[Any]) -> float:
        """When `method`, made now, reaches Telegram: now plus what the pacer made it wait."""
        before = len(self.waits)
        await self.middleware(self._telegram, BOT, method)
        return self.now + sum(self.waits[before:])

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def _counted(self) -> None:
        self.retry_afters += 1

    async def _telegram(self, bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        name = type(method).__name__
        self.reached.append(name)
        retry_after = self.refuse.pop(name, None)
        if retry_after is not None:
            raise TelegramRetryAfter(method, "Too Many Requests", retry_after)
        return Response[Any](ok=True, result=True)


def send(chat_id: int | str) -> SendMessage:
    return SendMessage(chat_id=chat_id, text="answer")


def edit(chat_id: int | str) -> EditMessageText:
    return EditMessageText(chat_id=chat_id, message_id=1, text="answer, longer")


def draft(chat_id: int) -> SendMessageDraft:
    return SendMessageDraft(chat_id=chat_id, draft_id=1, text="answ")


async def test_a_burst_to_many_chats_goes_evenly_spread_at_most_thirty_a_second() -> None:
    paced = Paced()
    start = paced.now
    times = [await paced.call(send(chat)) for chat in range(1, 91)]
    assert times[0] == start  # the first goes at once
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= GAP - EPSILON  # spread: never two together
    assert all(times[i + 30] - times[i] >= 1.0 for i in range(len(times) - 30))
    assert times[-1] - start <= 89 * GAP + EPSILON  # and not slower than the margin makes it
    paced.now = times[-1] + 2  # once the burst has gone, a call goes at once again
    assert await paced.call(send(1)) == paced.now


async def test_drafts_count_only_against_the_overall_rate() -> None:
    paced = Paced()
    start = paced.now
    times = [await paced.call(draft(7)) for _ in range(10)]
    assert times[-1] - start == pytest.approx(9 * GAP)  # no chat window: ten in a third of 1 s
    assert await paced.call(send(8)) == pytest.approx(times[-1] + GAP)  # but they take turns


@pytest.mark.parametrize("group", [-100, "@channel"])
async def test_a_group_gets_twenty_a_minute(group: int | str) -> None:
    paced = Paced()
    start = paced.now
    times = [await paced.call(send(group)) for _ in range(21)]
    assert times[19] - start < 1  # twenty at once, only spread
    assert times[20] == pytest.approx(start + GROUP_WINDOW)  # the next a minute after the first
    assert times[20] - times[0] >= 60


async def test_a_private_chat_gets_a_burst_then_about_one_a_second() -> None:
    paced = Paced()
    start = paced.now
    times = [await paced.call(send(7)) for _ in range(9)]
    assert times[2] - start < 0.1  # a burst of three
    assert all(times[i + 3] - times[i] >= 3.0 for i in range(len(times) - 3))
    assert times[3] == pytest.approx(start + CHAT_WINDOW)
    assert times[8] - start <= 2 * CHAT_WINDOW + 2 * GAP + EPSILON  # then three every 3.45 s


async def test_edits_count_like_sends_and_chat_actions_not_at_all() -> None:
    paced = Paced()
    start = paced.now
    for _ in range(3):
        await paced.call(send(7))
    assert await paced.call(edit(7)) == pytest.approx(start + CHAT_WINDOW)  # as a 4th send
    assert await paced.call(SendChatAction(chat_id=7, action="typing")) == paced.now
    assert await paced.call(send(7)) == pytest.approx(start + CHAT_WINDOW + GAP)  # took no slot
    for _ in range(20):
        await paced.call(send(-100))
    assert await paced.call(edit(-100)) - start >= 60  # a group's 21st change, an edit


async def test_a_deferrable_call_is_refused_at_once_instead_of_waiting() -> None:
    paced = Paced()
    with deferrable():  # with room, it goes like any other
        assert await paced.call(draft(7)) == paced.now
    paced.now += 1
    start = paced.now
    for _ in range(3):
        await paced.call(send(7))
    waits = list(paced.waits)
    with deferrable(), pytest.raises(TelegramRetryAfter) as later:
        await paced.call(edit(7))  # a preview edit, the chat's window full
    assert later.value.retry_after == math.ceil(CHAT_WINDOW)  # when it would have had room
    assert paced.waits == waits  # it did not wait
    assert paced.reached == ["SendMessageDraft", *["SendMessage"] * 3]  # nor reach Telegram
    assert paced.retry_afters == 0  # not a 429 from Telegram
    assert await paced.call(send(7)) == pytest.approx(start + CHAT_WINDOW)  # it took no slot


async def test_a_real_429_blocks_that_call_to_that_chat_and_is_counted() -> None:
    paced = Paced()
    start = paced.now
    paced.refuse["SendMessage"] = 7
    with pytest.raises(TelegramRetryAfter) as refused:
        await paced.call(send(5))
    assert refused.value.retry_after == 7  # passed on, for the sender to wait out
    assert paced.retry_afters == 1
    assert await paced.call(send(6)) - start < 1  # another chat goes on
    assert await paced.call(send(5)) == pytest.approx(start + 7)  # this one waits it out
    assert paced.retry_afters == 1
    paced.now = start + 60
    assert await paced.call(send(5)) == paced.now  # and then goes as before


async def test_quiet_chats_windows_are_swept_so_memory_follows_active_chats() -> None:
    paced = Paced()
    for chat in range(1, 2001):  # 2,000 chats answered once each, then quiet
        paced.now = await paced.call(send(chat))  # each made once the one before has gone
    paced.pacer.blocked(1, "SendMessage", 5)  # and a 429's block, soon over
    assert paced.pacer.size > 2000
    paced.now += 120  # past every window, a group's minute and its margin included
    active = [*range(5000, 5010), -5000, -5001]
    for n in range(2100):  # the active chats go on talking
        paced.now = await paced.call(send(active[n % len(active)]))
    assert paced.pacer.size == len(active)  # their windows only


async def test_a_call_waiting_for_its_own_chat_holds_no_other_chat() -> None:
    paced = Paced()
    start = paced.now
    group = [await paced.call(send(-100)) for _ in range(21)]  # the 21st waits a minute
    private = [await paced.call(send(7)) for _ in range(4)]  # the 4th waits 3.45 s
    assert group[20] == pytest.approx(start + GROUP_WINDOW)
    assert private[3] == pytest.approx(private[0] + CHAT_WINDOW)
    assert await paced.call(send(8)) - start < 1  # in the gaps before them, not after
    paced.now = start + 2
    with deferrable():  # nor is a preview elsewhere refused meanwhile
        assert await paced.call(draft(9)) == paced.now


async def test_a_real_429_on_a_draft_holds_that_chats_drafts() -> None:
    paced = Paced()
    start = paced.now
    paced.refuse["SendMessageDraft"] = 3
    with pytest.raises(TelegramRetryAfter):
        await paced.call(draft(7))
    with deferrable(), pytest.raises(TelegramRetryAfter) as later:
        await paced.call(draft(7))  # the preview's next update, refused here
    assert later.value.retry_after == 3
    assert paced.reached == ["SendMessageDraft"]
    assert await paced.call(draft(8)) - start < 1  # another chat's draft goes
    assert await paced.call(draft(7)) == pytest.approx(start + 3)


async def test_calls_that_wake_late_together_are_spread_again() -> None:
    """The event loop was busy for 1.5 s: every call planned before then wakes at once. They
    must not reach Telegram as one bunch of more than 30 in a second."""
    stall_end = 1.5
    clock = [0.0]
    wakes: list[tuple[float, int, asyncio.Future[None]]] = []
    order = itertools.count()

    async def late_sleep(seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(wakes, (max(clock[0] + seconds, stall_end), next(order), woken))
        await woken

    pacer = Pacer(clock=lambda: clock[0], sleep=late_sleep)
    sent: list[float] = []

    async def one(chat_id: int) -> None:
        await pacer.slot(chat_id, "SendMessage")
        sent.append(clock[0])

    calls = [asyncio.create_task(one(chat_id)) for chat_id in range(1, 61)]
    await asyncio.sleep(0)
    while not all(call.done() for call in calls):
        if wakes:  # virtual time: the next wake-up, and whatever it leads to
            clock[0], _, woken = heapq.heappop(wakes)
            woken.set_result(None)
        for _ in range(3):
            await asyncio.sleep(0)
    assert len(sent) == 60
    most = max(sum(start <= t < start + 1.0 for t in sent) for start in sent)
    assert most <= 30, f"{most} calls reached Telegram within one second"
