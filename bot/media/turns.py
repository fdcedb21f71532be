"""The media port of a turn's prompt (`MediaTurns`, bot/conversation/prompting.py) in one."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages import ChatMessage
from bot.core.outcomes import Outcome
from bot.core.trimming import Budget
from bot.core.turn import Turn
from bot.llm.port import ModelRequest
from bot.llm.transcription import Transcriber
from bot.media.prompt import PromptBuilder
from bot.media.reader import MediaReader
from bot.scheduling.quota import Spending


class MediaSupport:
    def __init__(
        self, reader: MediaReader, prompts: PromptBuilder, transcriber: Transcriber
    ) -> None:
        self._reader = reader
        self._prompts = prompts
        self._transcriber = transcriber

    async def question(self, turn: Turn, spent: Spending) -> ChatMessage | Outcome:
        return await self._reader.question(turn, spent)

    async def request(
        self,
        system: ChatMessage,
        dialog: Sequence[ChatMessage],
        budget: Budget,
        wanted: ModelRequest,
    ) -> ModelRequest:
        return await self._prompts.request(system, dialog, budget, wanted)

    async def aclose(self) -> None:
        await self._transcriber.aclose()
