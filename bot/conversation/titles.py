"""A dialog's title, asked of the chat's model after the dialog's first answer, in the
background: it never delays an answer, and a failure leaves the dialog untitled ("Dialog of
<date>", bot/texts). The call is small (at most TITLE_TOKENS) and counted in the user's day.
In a private chat's topic the topic takes the title too (docs/features.md, "Dialogs").
"""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from loguru import logger

from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError, StorageUnavailable
from bot.core.messages import ChatMessage
from bot.llm.families import family_of
from bot.llm.port import ChatModel, ModelRequest
from bot.storage.base import DialogStore, UsageStore

TITLE_TOKENS = 32
TITLE_WORDS = 6
TITLE_CHARS = 64  # of the title kept: a button's worth
_EXCERPT = 1000  # characters of the question and of the answer the model reads for it

_INSTRUCTION = (
    f"Give the conversation below a title of at most {TITLE_WORDS} words, in the language "
    "the user wrote in. Reply with the title only: no quotes, no final full stop."
)


class DialogTitles:
    def __init__(
        self,
        model: ChatModel,
        dialogs: DialogStore,
        usage: UsageStore,
        bot: Bot,
        *,
        default_model: str,
    ) -> None:
        self._model = model
        self._default_model = default_model
        self._dialogs = dialogs
        self._usage = usage
        self._bot = bot
        self._tasks: set[asyncio.Task[None]] = set()

    def after_first_answer(
        self,
        key: ChatKey,
        dialog_id: str,
        *,
        user_id: int,
        question: ChatMessage,
        answer: str,
        model: str | None,
    ) -> None:
        """Title the dialog in the background; never waits, never raises."""
        work = self._title(key, dialog_id, user_id, question, answer, model)
        task = asyncio.create_task(work, name=f"title:{key.chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _title(
        self,
        key: ChatKey,
        dialog_id: str,
        user_id: int,
        question: ChatMessage,
        answer: str,
        model: str | None,
    ) -> None:
        model = model or self._default_model
        efforts = family_of(model).efforts  # the least thinking it takes: the room is small
        request = ModelRequest(
            (
                ChatMessage.system(_INSTRUCTION),
                ChatMessage.user(
                    f"User: {question.content[:_EXCERPT]}\n\nAssistant: {answer[:_EXCERPT]}"
                ),
            ),
            settings=ChatSettings(model=model, effort=efforts[0] if efforts else ""),
            max_tokens=TITLE_TOKENS,
        )
        try:
            reply = await self._model.complete(request)
            spent = reply.usage.prompt_tokens + reply.usage.completion_tokens
            if user_id and spent:
                await self._usage.correct(user_id, spent, ())
            title = cleaned(reply.text)
            if not title or not await self._dialogs.rename(key, dialog_id, title):
                logger.info("chat={} dialog {} left untitled", key.chat_id, dialog_id)
                return
        except (ModelError, StorageUnavailable) as error:
            logger.info("chat={} dialog {} not titled: {}", key.chat_id, dialog_id, error)
            return
        except Exception as error:  # in the background: logged, never lost with its task
            kind = type(error).__name__
            logger.error("chat={} dialog {} not titled: {}", key.chat_id, dialog_id, kind)
            return
        logger.info("chat={} dialog {} titled", key.chat_id, dialog_id)
        if key.thread_id is not None and key.chat_id > 0:  # a private chat's topic
            await self._title_topic(key, title)

    async def _title_topic(self, key: ChatKey, title: str) -> None:
        assert key.thread_id is not None
        try:
            await self._bot.edit_forum_topic(key.chat_id, key.thread_id, name=title)
        except TelegramAPIError as error:
            logger.info("chat={} topic not titled: {}", key.chat_id, error.message)

    async def aclose(self) -> None:
        """Titles under way are dropped at shutdown: they are a nicety."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def cleaned(text: str) -> str:
    """The model's title as a name: one line, no quotes or final stop, at most TITLE_WORDS
    words and TITLE_CHARS characters."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    words = line.strip("\"'«»“”*#. \t").split()
    return " ".join(words[:TITLE_WORDS])[:TITLE_CHARS].strip()
