"""A Bot whose session records every Bot API call and answers it in process: no server.

In the manner of aiogram's own tests/mocked_bot.py (a MockedSession under a MockedBot), but
the answers are made up from the call itself, so a test queues nothing for the calls that
succeed: sendMessage gets a Message with the next message id and the chat and text it was
given, editMessageText the edited Message, every call that returns a bool `True`. A test
makes the next call of a method fail with an aiogram exception through `fail_next`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message

M = TypeVar("M", bound=TelegramMethod[Any])
# Builds the error a refused call raises, from the call itself (aiogram's errors name it).
ErrorFor = Callable[[TelegramMethod[Any]], TelegramAPIError]
SENT_AT = datetime(2026, 11, 1, tzinfo=UTC)  # every message's date: tests stay deterministic
FIRST_MESSAGE_ID = 1001  # far from the users' message ids the tests use


def bad_request(description: str = "Bad Request: can't parse entities") -> ErrorFor:
    return lambda method: TelegramBadRequest(method=method, message=description)


def retry_after(seconds: int) -> ErrorFor:
    message = f"Too Many Requests: retry after {seconds}"
    return lambda method: TelegramRetryAfter(method=method, message=message, retry_after=seconds)


def forbidden(description: str = "Forbidden: bot was blocked by the user") -> ErrorFor:
    return lambda method: TelegramForbiddenError(method=method, message=description)


class RecordingSession(BaseSession):
    """Records each call in order; answers it, or raises the failure queued for its method."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []  # every call asked, refused ones too
        self.refused: list[TelegramMethod[Any]] = []
        self.closed = False
        self._failures: defaultdict[type[TelegramMethod[Any]], deque[ErrorFor]] = defaultdict(
            deque
        )
        self._message_ids = itertools.count(FIRST_MESSAGE_ID)
        self._bot: Bot | None = None

    def fail_next(self, method: type[TelegramMethod[Any]], error: ErrorFor) -> None:
        """The next call of `method` (after any failures already queued for it) raises."""
        self._failures[method].append(error)

    def calls(self, kind: type[M]) -> list[M]:
        """Every call of one method, in order, refused ones included."""
        return [call for call in self.requests if isinstance(call, kind)]

    def answered(self, kind: type[M]) -> list[M]:
        """The calls of one method that Telegram would have carried out."""
        return [c for c in self.calls(kind) if not any(c is r for r in self.refused)]

    def wire(self, method: TelegramMethod[Any]) -> dict[str, Any]:
        """The call's fields as a session sends them: defaults resolved, unset ones left out."""
        assert self._bot is not None, "no call was made yet"
        fields = method.model_dump(warnings=False)
        prepared = {k: self.prepare_value(v, self._bot, {}, False) for k, v in fields.items()}
        return {name: value for name, value in prepared.items() if value is not None}

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self._bot = bot
        self.requests.append(method)
        failures = self._failures.get(type(method))
        if failures:
            self.refused.append(method)
            raise failures.popleft()(method)
        return cast(TelegramType, self._result(method))

    def _result(self, method: TelegramMethod[Any]) -> object:
        if isinstance(method, SendMessage):
            return self._message(next(self._message_ids), method.chat_id, method.text, method)
        if isinstance(method, EditMessageText) and method.message_id is not None:
            assert method.chat_id is not None and method.text is not None
            return self._message(method.message_id, method.chat_id, method.text, method)
        if method.__returning__ is bool:
            return True
        raise AssertionError(f"RecordingSession cannot answer {type(method).__name__}")

    def _message(
        self,
        message_id: int,
        chat_id: int | str,
        text: str,
        method: SendMessage | EditMessageText,
    ) -> Message:
        chat_type = "private" if int(chat_id) > 0 else "supergroup"
        return Message(
            message_id=message_id,
            date=SENT_AT,
            chat=Chat(id=int(chat_id), type=chat_type),
            text=text,
            entities=method.entities,
        )

    async def close(self) -> None:
        self.closed = True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise AssertionError(f"RecordingSession downloads nothing (asked for {url})")
        yield b""  # a generator, as BaseSession's is


class RecordingBot(Bot):
    """A Bot over a RecordingSession, typed so a test reaches the session's records."""

    session: RecordingSession

    def __init__(self, token: str = "42:TEST") -> None:
        super().__init__(token, session=RecordingSession())


def recording_bot() -> RecordingBot:
    return RecordingBot()
