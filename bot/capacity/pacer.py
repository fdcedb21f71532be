"""One pacer for every message the bot sends or edits, so it stays under Telegram's limits
instead of collecting 429s: about 30 a second overall, 20 a minute in a group, about one
a second in a chat with short bursts. Edits count like sends.

It is an aiogram session middleware (`bot.session.middleware`), so every API call passes
it. Each limit is a sliding window of send times; a call takes the earliest time every
window it belongs to has room, and waits for it. A call made inside `deferrable()` (a
streaming draft or preview edit) never waits: if it cannot go now it gets a local
TelegramRetryAfter, which previews already treat as "skip this update", so final answers
go first. A real 429 is counted and passed on; the sender waits it out.
"""

from __future__ import annotations

import asyncio
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
        self._overall, self._group, self._chat = overall, group, chat
        # The overall rate evenly spread too: a burst of 30 at once reaches Telegram spread
        # out by the network, and its tail would share a second with the next burst.
        self._spread = Window(1, overall.seconds / overall.limit)
        self._margin = margin
        self._clock, self._sleep = clock, sleep
        self._logs: dict[object, deque[float]] = {}
        self._blocked: dict[object, float] = {}  # a 429's retry_after, per chat and method
        self._calls = 0

    def _windows(self, chat_id: int | str, draft: bool) -> list[tuple[object, Window]]:
        overall: list[tuple[object, Window]] = [("*", self._overall), ("~", self._spread)]
        if draft:  # drafts show in the chat's input field: only the overall rate applies
            return overall
        group = isinstance(chat_id, str) or chat_id < 0
        return [*overall, (chat_id, self._group if group else self._chat)]

    def _earliest(self, windows: list[tuple[object, Window]], now: float, method: str) -> float:
        at = now
        for key, window in windows:
            stamps = self._logs.get(key)
            at = max(at, self._blocked.get((key, method), 0.0))
            if not stamps:
                continue
            at = max(at, stamps[-1])
            if len(stamps) >= window.limit:
                at = max(at, stamps[-window.limit] + window.seconds * (1 + self._margin))
        return at

    def _take(self, windows: list[tuple[object, Window]], at: float) -> None:
        for key, window in windows:
            stamps = self._logs.setdefault(key, deque(maxlen=window.limit))
            stamps.append(at)
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(at)

    def _sweep(self, now: float) -> None:
        horizon = max(self._group.seconds, self._chat.seconds) * (1 + self._margin)
        quiet = [k for k, s in self._logs.items() if k not in ("*", "~") and s[-1] < now - horizon]
        for key in quiet:
            del self._logs[key]
        for key in [k for k, until in list(self._blocked.items()) if until < now]:
            del self._blocked[key]

    async def slot(
        self, chat_id: int | str, method: str = "", *, draft: bool = False, defer: bool = False
    ) -> None:
        """Wait for this call's turn (taking it), or, deferrable, raise `_Later` seconds."""
        windows = self._windows(chat_id, draft)
        now = self._clock()
        at = self._earliest(windows, now, method)
        if defer and at > now:
            raise _Later(at - now)
        self._take(windows, at)
        if at > now:
            await self._sleep(at - now)

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
