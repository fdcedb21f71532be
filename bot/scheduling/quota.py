"""What a turn costs its user, and the daily quota (USER_DAILY_TOKENS) that bounds it.

A turn's cost is what its own model calls report (`Delta.usage`, `Reply.usage`), summed by the
runner as it reads them, or an estimate where a stream reported nothing (stopped, or failed
midway: Groq still billed what it made); and Whisper's audio, billed by Groq per second (at
least 10 a request), counted as TRANSCRIPTION_TOKENS_PER_SECOND tokens a second. With a quota,
a media turn is checked before its files are read, and every model call reserves its estimate
(the prompt's, and the answer's room) of the user's day before it goes, so turns running at
once in several chats cannot all pass; the turn's end replaces the reservations with the real
count (bot/storage/base.py; docs/architecture.md, "Quotas").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from loguru import logger

from bot.core.errors import ModelError, ModelErrorKind, StorageUnavailable
from bot.core.tokens import estimate_tokens, message_tokens
from bot.llm.port import Delta, ModelRequest, Usage
from bot.storage.base import Reserved, UsageStore

BILLED_MIN_SECONDS = 10.0  # Groq bills a transcription at least 10 s of audio
# What a second of audio counts as, unless TRANSCRIPTION_TOKENS_PER_SECOND says otherwise
# (docs/settings.md): about what a second of Whisper costs in prompt tokens of the chat model.
SECOND_TOKENS = 75
ANSWER_ROOM = 4096  # MAX_ANSWER_TOKENS' default


@dataclass(slots=True)
class Spending:
    """One turn's cost so far, and what it reserved of its user's day ahead of its end."""

    tokens: int = 0  # of its model calls: their reported usage, or an estimate
    audio_seconds: float = 0.0  # Whisper's, as Groq bills them
    reserved: list[Reserved] = field(default_factory=list)

    def add(self, usage: Usage) -> None:
        self.tokens += usage.prompt_tokens + usage.completion_tokens

    def heard(self, seconds: float) -> None:
        """A transcription: billed by the second, at least BILLED_MIN_SECONDS."""
        self.audio_seconds += max(seconds, BILLED_MIN_SECONDS)

    def meter(self, request: ModelRequest) -> CallMeter:
        """The counter of one streamed call."""
        return CallMeter(self, request)

    @property
    def empty(self) -> bool:
        return not (self.tokens or self.audio_seconds or self.reserved)

    def settled(self) -> None:
        """The turn's end counted all of it: nothing is left to count."""
        self.tokens, self.audio_seconds = 0, 0.0
        self.reserved.clear()


class CallMeter:
    """One stream's tokens: its usage when Groq reports it (with the last chunk), else, once
    something came, the prompt's estimate and the text streamed so far."""

    def __init__(self, spent: Spending, request: ModelRequest) -> None:
        self._spent = spent
        self._request = request
        self._reported = False
        self._streamed: list[str] = []

    def saw(self, delta: Delta) -> None:
        if delta.usage is not None:
            self._spent.add(delta.usage)
            self._reported = True
        else:
            self._streamed.append(delta.reasoning + delta.text)

    def end(self) -> None:
        """Called once the stream is over, however it ended (a stop, a failure, a cancel)."""
        made = "".join(self._streamed)
        if self._reported or not made:
            return  # reported, or refused before any answer (Groq bills no refusal)
        prompt = sum(message_tokens(m) for m in self._request.messages)
        self._spent.add(Usage(prompt, estimate_tokens(made)))
        self._reported = True


class Quota:
    """USER_DAILY_TOKENS (0: none) over the day's counts (the UsageStore, shared by replicas)."""

    def __init__(
        self,
        usage: UsageStore,
        *,
        daily_tokens: int = 0,
        second_tokens: int = SECOND_TOKENS,
        answer_room: Callable[[str | None], int] = lambda model: ANSWER_ROOM,
    ) -> None:
        self._usage = usage
        self._daily = daily_tokens
        self._second_tokens = second_tokens
        self._answer_room = answer_room  # a call's max_completion_tokens for the model

    def total(self, spent: Spending) -> int:
        """The turn's tokens, its audio seconds counted as tokens."""
        return spent.tokens + math.ceil(spent.audio_seconds * self._second_tokens)

    async def check(self, user_id: int) -> None:
        """QUOTA_EXCEEDED when the user's day is spent (a media turn, before any reading)."""
        if self._daily and await self._usage.tokens_today(user_id) >= self._daily:
            raise ModelError(ModelErrorKind.QUOTA_EXCEEDED, f"user={user_id}")

    async def reserve(self, user_id: int, request: ModelRequest, spent: Spending) -> None:
        """Before a model call: its estimate counted for the user's day, or QUOTA_EXCEEDED when
        the day is spent (reservations of turns running elsewhere included). Once a turn: its
        retry with half the budget needs no more than its first call reserved."""
        if not self._daily or spent.reserved:
            return
        prompt = sum(message_tokens(m) for m in request.messages)
        tokens = prompt + self._answer_room(request.settings.model or None)
        reserved = await self._usage.reserve(user_id, tokens, quota=self._daily)
        if reserved is None:
            raise ModelError(ModelErrorKind.QUOTA_EXCEEDED, f"user={user_id}")
        spent.reserved.append(reserved)

    async def settle(self, chat_id: int, user_id: int, spent: Spending) -> None:
        """A turn whose end is not written (a reset, a lost lease) pays what it used, and its
        reservations go; a storage fault only costs accuracy."""
        if spent.empty:
            return
        try:
            await self._usage.correct(user_id, self.total(spent), spent.reserved)
        except StorageUnavailable as error:
            logger.warning("chat={} tokens of a turn not counted: {}", chat_id, error)
        spent.reserved.clear()
