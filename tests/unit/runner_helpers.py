"""The turn runner in one process, for the tests that drive it turn by turn: a scripted model,
a runner on a memory backend and a recording Bot, and one turn run in a chat where nothing
else waits. The runner's and the turn tokens' tests share them, so they live here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.chat_settings.model import ChatSettingsStore
from bot.chat_settings.preferences import ChatPreferences
from bot.conversation.prompting import Prompts
from bot.conversation.runner import TurnRunner
from bot.conversation.scope import CancelScope
from bot.core.chat import ChatKey
from bot.core.errors import ModelError
from bot.core.messages import ChatMessage
from bot.core.outcomes import Outcome
from bot.core.trimming import Budget
from bot.core.turn import Turn
from bot.delivery.reactions import Reactions
from bot.delivery.sender import ReplySender
from bot.llm.catalog import ModelCatalog
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply, Usage
from bot.scheduling.quota import Quota
from bot.storage.memory import MemoryBackend
from tests.support.recording_bot import RecordingBot

BOT_ID = 42
PRIVATE = ChatKey(BOT_ID, 7)
GROUP = ChatKey(BOT_ID, -1007)
SYSTEM = ChatMessage.system("be brief")
BUDGET = Budget(max_tokens=1000, max_messages=10)


class ScriptedModel(ChatModel):
    """Yields the given deltas, then raises `error` or, with `hang`, waits to be stopped."""

    def __init__(
        self, *deltas: Delta, error: ModelError | None = None, hang: bool = False
    ) -> None:
        self.deltas = deltas
        self.error = error
        self.hang = hang
        self.requests: list[ModelRequest] = []
        self.waiting = asyncio.Event()  # set once it hangs, every delta given

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        self.requests.append(request)
        for delta in self.deltas:
            yield delta
        if self.error is not None:
            raise self.error
        if self.hang:
            self.waiting.set()
            await asyncio.Event().wait()

    async def complete(self, request: ModelRequest) -> Reply:
        pieces = [delta async for delta in self.stream(request)]
        used = [d.usage for d in pieces if d.usage is not None]
        return Reply(
            "".join(d.text for d in pieces),
            "".join(d.reasoning for d in pieces),
            Usage(sum(u.prompt_tokens for u in used), sum(u.completion_tokens for u in used)),
            served_by="".join(d.served_by for d in pieces),
            retired="".join(d.retired for d in pieces),
        )

    async def aclose(self) -> None:
        return None


@dataclass
class Alone:
    """The actor's side of a turn with nothing else waiting in the chat."""

    key: ChatKey
    lease: str | None = None

    def is_current(self, epoch: int) -> bool:
        return True

    def others_waiting(self) -> bool:
        return False


def runner(
    bot: RecordingBot,
    backend: MemoryBackend,
    model: ChatModel,
    *,
    stream: bool = False,
    catalog: ModelCatalog | None = None,
    quota: Quota | None = None,
) -> TurnRunner:
    sender = ReplySender(bot, stream_interval=0.0)
    preferences = None
    if catalog is not None:
        store = ChatSettingsStore(backend.fsm_storage)
        preferences = ChatPreferences(store, catalog, BUDGET)
    prompts = Prompts(
        turns=backend.turns,
        sender=sender,
        system_prompt=SYSTEM,
        budget=BUDGET,
        preferences=preferences,
    )
    return TurnRunner(
        model=model,
        turns=backend.turns,
        quota=quota or Quota(backend.usage),
        sender=sender,
        reactions=Reactions(bot),
        prompts=prompts,
        stream=stream,
    )


async def run(
    turn_runner: TurnRunner, text: str, key: ChatKey = PRIVATE, stop: CancelScope | None = None
) -> Outcome:
    """Message 3 of user 5, in a chat where nothing else waits."""
    turn = Turn(key.chat_id, user_id=5, message_id=3, text=text, private=key.chat_id > 0)
    stop = stop or CancelScope()
    return await turn_runner.run(turn, Alone(key), epoch=0, crowded=False, stop=stop)
