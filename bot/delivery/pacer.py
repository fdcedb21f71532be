"""One pacer for every message the bot sends or edits, so it stays under Telegram's limits
instead of collecting 429s: about 30 a second overall, 20 a minute in a group, about one
a second in a chat with short bursts. Edits count like sends.

It is an aiogram session middleware (`bot.session.middleware`), so every API call passes
it. A chat's limit is a sliding window of its send times, the overall one a gap between any
two calls; a call takes the earliest time its chat's window has room and no other call is
within the gap, and waits for it, so a chat waiting for its own limit (a group's 21st
message of the minute) holds no other chat. A call made inside `deferrable()` (a
streaming draft or preview edit) never waits: if it cannot go now it gets a local
TelegramRetryAfter, which previews already treat as "skip this update", so final answers
go first. A real 429 is counted and passed on; the sender waits it out.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendChatAction, SendMessageDraft
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

_DEFERRABLE: ContextVar[bool] = ContextVar("deferrable", default=False)


@contextmanager
def deferrable() -> Iterator[None]:
    """Calls made in here yield to others: refused locally rather than queued."""
    token = _DEFERRABLE.set(True)
    try:
        yield
    finally:
        _DEFERRABLE.reset(token)


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: float


OVERALL, GROUP, CHAT = Window(30, 1.0), Window(20, 60.0), Window(3, 3.0)
_SWEEP_EVERY = 4096  # calls between sweeps of quiet chats' windows
_RESLOTS = 4  # times a call that woke late takes a new time before it just goes


class Pacer:
    def __init__(
        self,
        *,
        overall: Window = OVERALL,
        group: Window = GROUP,
        chat: Window = CHAT,
        margin: float = 0.15,  # share added to each window: the network is not a clock
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,  # tests wait in no time
    ) -> None:
        self._group, self._chat = group, chat
        # The overall rate as calls evenly spread: no two closer than 1/30 s (with the
        # margin) is never more than 30 in a second, and a burst of 30 at once would reach
        # Telegram spread out by the network, its tail sharing a second with the next burst.
        self._gap = overall.seconds / overall.limit * (1 + margin)
        self._margin = margin
        self._clock, self._sleep = clock, sleep
        self._times: list[float] = []  # every call's time, sorted: the last gap's and those ahead
        self._logs: dict[int | str, deque[float]] = {}  # each chat's window of call times
        self._blocked: dict[tuple[int | str, str], float] = {}  # a 429's end, by chat and method
        self._calls = 0

    def _window(self, chat_id: int | str) -> Window:
        return self._group if isinstance(chat_id, str) or chat_id < 0 else self._chat

    def _own(self, chat_id: int | str, method: str, draft: bool, now: float) -> float:
        """The earliest its chat lets this call go: the chat's window (drafts have none: they
        show in the input field) and a 429's block. Later than the chat's previous call, so
        a chat's calls keep their order."""
        at = max(now, self._blocked.get((chat_id, method), 0.0))
        stamps = None if draft else self._logs.get(chat_id)
        if stamps:
            window = self._window(chat_id)
            at = max(at, stamps[-1])
            if len(stamps) >= window.limit:
                at = max(at, stamps[-window.limit] + window.seconds * (1 + self._margin))
        return at

    def _fit(self, at: float) -> float:
        """The earliest time from `at` a gap away from every call placed: a call waiting for
        its own chat holds no one else, whose calls take the free times before it."""
        for placed in self._times[bisect.bisect_left(self._times, at - self._gap) :]:
            if placed - at >= self._gap:
                break
            at = placed + self._gap
        return at

    def _take(self, chat_id: int | str, draft: bool, at: float, now: float) -> None:
        bisect.insort(self._times, at)
        del self._times[: bisect.bisect_left(self._times, now - self._gap)]
        if not draft:
            window = self._window(chat_id)
            self._logs.setdefault(chat_id, deque(maxlen=window.limit)).append(at)
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        horizon = max(self._group.seconds, self._chat.seconds) * (1 + self._margin)
        for chat_id in [k for k, stamps in self._logs.items() if stamps[-1] < now - horizon]:
            del self._logs[chat_id]
        for key in [k for k, until in self._blocked.items() if until < now]:
            del self._blocked[key]

    async def slot(
        self, chat_id: int | str, method: str = "", *, draft: bool = False, defer: bool = False
    ) -> None:
        """Wait for this call's turn (taking it), or, deferrable, raise `_Later` seconds.

        A call that wakes later than a gap after its time (the event loop was busy) would go
        together with every other late one, a bunch Telegram counts in one second: it gives
        its time back and takes the next free one, a few times at most."""
        for _ in range(_RESLOTS):
            now = self._clock()
            at = self._fit(self._own(chat_id, method, draft, now))
            if defer and at > now:
                raise _Later(at - now)
            self._take(chat_id, draft, at, now)
            if at <= now:
                return
            await self._sleep(at - now)
            if self._clock() - at < self._gap:
                return
            self._give_back(chat_id, draft, at)
        self._take(chat_id, draft, self._clock(), self._clock())

    def _give_back(self, chat_id: int | str, draft: bool, at: float) -> None:
        index = bisect.bisect_left(self._times, at)
        if index < len(self._times) and self._times[index] == at:
            del self._times[index]
        stamps = None if draft else self._logs.get(chat_id)
        if stamps and at in stamps:
            stamps.remove(at)

    @property
    def size(self) -> int:
        """Windows and blocks kept, for tests that memory follows active chats only."""
        return len(self._logs) + len(self._blocked)

    def blocked(self, chat_id: int | str, method: str, seconds: float) -> None:
        """A 429 that came anyway: the same call to this chat waits until it has passed (the
        sender may give up on a long wait and send anew: that goes on as paced)."""
        key = (chat_id, method)
        self._blocked[key] = max(self._blocked.get(key, 0.0), self._clock() + seconds)


class _Later(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _paced(method: object) -> bool:
    name = type(method).__name__
    if isinstance(method, SendChatAction):
        return False
    return name.startswith(("Send", "Edit", "Copy", "Forward"))


class PacingMiddleware(BaseRequestMiddleware):
    def __init__(self, pacer: Pacer, on_retry_after: Callable[[], None] = lambda: None) -> None:
        self._pacer = pacer
        self._on_retry_after = on_retry_after

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is None or not _paced(method):
            return await make_request(bot, method)
        draft, name = isinstance(method, SendMessageDraft), type(method).__name__
        try:
            await self._pacer.slot(chat_id, name, draft=draft, defer=_DEFERRABLE.get())
        except _Later as later:
            raise TelegramRetryAfter(
                method, "paced by the bot", max(math.ceil(later.seconds), 1)
            ) from None
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            self._on_retry_after()
            self._pacer.blocked(chat_id, name, error.retry_after)
            raise
