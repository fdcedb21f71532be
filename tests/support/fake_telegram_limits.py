"""The limits the fake Telegram enforces on what the bot sends: the size and entities of a
message text (always), and Telegram's flood limits (only once a test turns them on)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fake_telegram_wire import error, utf16_len

# What Telegram's send limits count (edits too); drafts only count overall.
LIMITED = {"sendMessage", "editMessageText", "sendMessageDraft"}


@dataclass
class _SendLimits:
    """Telegram's flood limits as sliding windows (limit, seconds): overall, per group, per
    private chat. Off unless a test calls `FakeTelegram.enforce_limits`."""

    overall: tuple[int, float]
    group: tuple[int, float]
    chat: tuple[int, float]
    seen: dict[object, list[float]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # by scope: overall, group, chat

    def refuse(self, method: str, chat_id: int, now: float) -> float | None:
        """Seconds to wait if this call is over a limit; else None (and it is counted)."""
        keys: list[tuple[object, tuple[int, float]]] = [("*", self.overall)]
        if method != "sendMessageDraft":
            keys.append((chat_id, self.group if chat_id < 0 else self.chat))
        waits = []
        for key, (limit, seconds) in keys:
            recent = [t for t in self.seen.get(key, []) if t > now - seconds]
            self.seen[key] = recent
            if len(recent) >= limit:
                waits.append(recent[-limit] + seconds - now)
                scope = "overall" if key == "*" else "group" if chat_id < 0 else "chat"
                self.refused[scope] = self.refused.get(scope, 0) + 1
        if waits:
            return max(waits)
        for key, _ in keys:
            self.seen[key].append(now)
        return None


class FloodLimits:
    """A mixin of FakeTelegram: the flood limits a test turns on, and the 429s they cause."""

    def __init__(self) -> None:
        super().__init__()
        self._limits: _SendLimits | None = None
        self.flood_refusals = 0  # 429s sent because a send limit was reached

    def enforce_limits(
        self,
        *,
        overall: tuple[int, float] = (30, 1.0),
        group: tuple[int, float] = (20, 60.0),
        chat: tuple[int, float] = (3, 3.0),
    ) -> None:
        """Refuse sends and edits over Telegram's limits with a 429 and retry_after."""
        self._limits = _SendLimits(overall, group, chat)

    @property
    def refused(self) -> dict[str, int]:
        """429s sent by scope (overall, group, chat) since `enforce_limits`."""
        return dict(self._limits.refused) if self._limits is not None else {}

    def _flood_refusal(self, method: str, params: dict[str, Any]) -> web.Response | None:
        """The 429 for a call over a limit, before the call does anything; else None."""
        if self._limits is not None and method in LIMITED and "chat_id" in params:
            wait = self._limits.refuse(method, int(params["chat_id"]), time.monotonic())
            if wait is not None:
                self.flood_refusals += 1
                return error(429, "Too Many Requests", max(math.ceil(wait), 1))
        return None


def check_text(
    text: str, entities: list[dict[str, Any]] | None, *, allow_empty: bool = False
) -> web.Response | None:
    """What Telegram refuses in a message text: empty, too long, entities outside it."""
    if not text.strip() and not allow_empty:
        return error(400, "Bad Request: message text is empty")
    size = utf16_len(text)
    if size > 4096:
        return error(400, "Bad Request: message is too long")
    for entity in entities or []:
        start, length = entity["offset"], entity["length"]
        if start < 0 or length <= 0 or start + length > size:
            return error(400, "Bad Request: can't parse entities: entity out of text")
    return None
