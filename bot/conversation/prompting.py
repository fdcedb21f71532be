"""What a turn asks the model: the chat's settings, its history and the question, and the
request built from them, trimmed to the budget (docs/architecture.md, "The path of a message").
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from loguru import logger

from bot.chat_settings.preferences import ChatPreferences
from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage, Role
from bot.core.outcomes import Ending, Outcome
from bot.core.trimming import Budget, min_tokens_for, trim_history
from bot.core.turn import Turn
from bot.delivery.sender import ReplySender
from bot.llm.port import ModelRequest
from bot.media.reader import MediaReader
from bot.media.request_images import PromptBuilder
from bot.scheduling.quota import Spending
from bot.storage.base import TurnStorage
from bot.texts import texts_for

# A turn of a durable inbox started this many times without reaching its end (the process
# died in it: an OOM kill on a media turn, say) is skipped with a notice, not started again.
MAX_ATTEMPTS = 2


@dataclass(frozen=True, slots=True)
class Prompt:
    question: ChatMessage
    history: list[ChatMessage]
    replaced: int  # messages the commit replaces (/retry: the last pair)
    settings: ChatSettings  # the chat's, read once for the turn; every request carries them

    @property
    def dialog(self) -> list[ChatMessage]:
        return [*self.history, self.question]


class Prompts:
    """The load step of a turn, and every model request it makes."""

    def __init__(
        self,
        *,
        turns: TurnStorage,
        sender: ReplySender,
        system_prompt: ChatMessage,
        budget: Budget,
        reader: MediaReader | None = None,  # None: text turns only
        images: PromptBuilder | None = None,  # None: requests show no images
        preferences: ChatPreferences | None = None,  # None: every chat has the defaults
    ) -> None:
        self._turns = turns
        self._sender = sender
        self._system = system_prompt
        self._budget = budget
        self._reader = reader
        self._images = images
        self._preferences = preferences

    async def load(self, turn: Turn, key: ChatKey, spent: Spending) -> Prompt | Outcome:
        """The chat's settings, the committed history and the question; /retry takes back the
        last pair. Reading a media turn's question may cost (Whisper): `spent` counts it."""
        loaded = await self._turns.load(key, turn)  # one step: settings, history, its start
        if loaded.attempts >= MAX_ATTEMPTS:  # its process died in it each time: not again
            return Outcome(Ending.GAVE_UP, detail=f"{loaded.attempts} starts without an end")
        settings = await self._settings(turn, key, ChatSettings.from_data(loaded.data))
        history = loaded.history
        if not turn.retry:
            question = await self._question(turn, spent)
            if isinstance(question, Outcome):
                return question
            return Prompt(question, history, 0, settings)
        if len(history) < 2 or history[-1].role is not Role.ASSISTANT:
            return Outcome(Ending.NOTHING_TO_RETRY)
        return Prompt(history[-2], history[:-2], 2, settings)

    async def _settings(self, turn: Turn, key: ChatKey, chosen: ChatSettings) -> ChatSettings:
        """The chat's settings for this turn; a model Groq retired is told, once."""
        if self._preferences is None:
            return ChatSettings()
        settings, removed = await self._preferences.for_turn(key, chosen)
        if removed:
            notice = texts_for(turn.language_code).model_removed(removed)
            await self._sender.notify(turn.chat_id, notice, reply_to=turn.message_id)
        return settings

    async def forget_model(self, key: ChatKey, model: str) -> None:
        """The chat's choice of a model Groq retired mid-turn is dropped without another
        notice: the answer already told the chat."""
        if self._preferences is not None:
            await self._preferences.forget_model(key, model)

    async def _question(self, turn: Turn, spent: Spending) -> ChatMessage | Outcome:
        """The user's message as the history keeps it: who said it, when, and what."""
        read: ChatMessage | Outcome = ChatMessage.user(turn.text)
        if turn.media and self._reader is not None:
            read = await self._reader.question(turn, spent)
        if isinstance(read, Outcome):
            return read
        return replace(read, speaker=turn.speaker, at=turn.sent_at or time.time())

    async def ask(
        self,
        turn: Turn,
        key: ChatKey,
        prompt: Prompt,
        ask: Callable[[ModelRequest], Awaitable[str]],
    ) -> str:
        """One model call; a context-too-long refusal is retried once with half the budget."""
        settings = prompt.settings
        system = ChatMessage.system(settings.system) if settings.system else self._system
        dialog = prompt.dialog if turn.private else with_speakers(prompt.dialog)

        async def request(budget: Budget) -> ModelRequest:
            wanted = ModelRequest((), settings, chat=key)
            if self._images is not None and any(message.images for message in dialog):
                return await self._images.request(system, dialog, budget, wanted)
            return replace(wanted, messages=trim_history(system, dialog, budget))

        budget = self._budget
        if self._preferences is not None:
            budget = self._preferences.budget(settings)
        try:
            return await ask(await request(budget))
        except ModelError as error:
            if error.kind is not ModelErrorKind.CONTEXT_TOO_LONG:
                raise
        smaller = Budget(max(budget.max_tokens // 2, min_tokens_for(system)), budget.max_messages)
        logger.warning(
            "chat={} context too long at {} tokens; retrying with {}",
            turn.chat_id,
            budget.max_tokens,
            smaller.max_tokens,
        )
        return await ask(await request(smaller))


def with_speakers(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """A group's dialog as the model reads it: each user message says who wrote it."""
    return [
        replace(m, content=f"{m.speaker}: {m.content}") if m.role is Role.USER and m.speaker else m
        for m in messages
    ]
