"""Forum topics: everything a turn sends goes to its topic, without threading the topic's id
through every call of the sender and the previews.

The turn runner marks its task with `in_topic`; a request middleware of the Bot session adds
`message_thread_id` to each method that takes one (sendMessage, sendMessageDraft,
sendChatAction, sendDocument) and is addressed to that chat. Tasks started by the turn (the
typing loop, the generation) inherit the mark, as asyncio copies context into new tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

_TOPIC: ContextVar[tuple[int, int] | None] = ContextVar("forum_topic", default=None)


@contextmanager
def in_topic(chat_id: int, thread_id: int | None) -> Iterator[None]:
    """Requests made in this context (and tasks it starts) to `chat_id` go to the topic."""
    token = _TOPIC.set((chat_id, thread_id) if thread_id is not None else None)
    try:
        yield
    finally:
        _TOPIC.reset(token)


class TopicMiddleware(BaseRequestMiddleware):
    """Adds the current topic to a request that can carry it and names no topic itself."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        topic = _TOPIC.get()
        if (
            topic is not None
            and "message_thread_id" in type(method).model_fields
            and getattr(method, "message_thread_id", None) is None
            and getattr(method, "chat_id", None) == topic[0]
        ):
            method = method.model_copy(update={"message_thread_id": topic[1]})
        return await make_request(bot, method)
