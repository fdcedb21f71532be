"""One turn as three steps, load, generate, conclude, each ending in an `Outcome`.

A user's message in, the model's answer out, the pair committed only after delivery
(docs/architecture.md, "The path of a message"). The load is one read and the turn's end one
write (bot/storage/base.py). What the user reads when a step fails is decided in
bot/conversation/outcomes.py, not here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from loguru import logger

from bot.conversation.outcomes import is_failure, log_outcome, notice_for
from bot.conversation.prompting import Prompt, Prompts
from bot.conversation.stop import StopSignal
from bot.core.chat import ChatKey
from bot.core.errors import ModelError, StorageUnavailable
from bot.core.messages import ChatMessage
from bot.core.outcomes import Ending, Outcome
from bot.core.turn import Turn
from bot.delivery.extras import collapsed, with_sources
from bot.delivery.reactions import Reactions
from bot.delivery.sender import Delivery, ReplySender
from bot.delivery.streaming import Preview
from bot.delivery.topics import in_topic
from bot.llm.port import ChatModel, Delta, ModelRequest, Source
from bot.scheduling.usage import Tally
from bot.storage.base import Commit, Conclusion, LeaseLost, TurnStorage
from bot.texts import texts_for


class TurnContext(Protocol):
    """What a running turn may ask of the actor that runs it."""

    @property
    def key(self) -> ChatKey: ...

    def is_current(self, epoch: int) -> bool:
        """False once the dialog was reset after the turn began: its result must not land."""
        ...

    def has_company(self) -> bool:
        """True when other messages of this chat are waiting: replies then quote their message."""
        ...

    def settles(self) -> bool:
        """Asked as the turn ends: True when nothing else waits, so its end writes the chat's
        state back to idle (the actor notes it, and a new burst sets awaiting_reply again)."""
        ...

    @property
    def lease(self) -> str | None:
        """The token of the chat's lease the turn runs under (leased placement): its end is
        written only while that lease holds. None in memory mode."""
        ...


@dataclass(slots=True)
class _Progress:
    """The answer so far, kept outside the generating task so a stop can still deliver it."""

    text: str = ""
    stopped: bool = False
    served_by: str = ""  # another model than the chat's, when it answered: the answer says so
    retired: str = ""  # the model Groq retired during the turn: the answer says so, once
    reasoning: str = ""  # shown apart, never stored, never the answer
    reasoning_shown: bool = False
    sources: list[Source] = field(default_factory=list)

    def absorb(self, piece: Delta) -> None:
        self.reasoning += piece.reasoning
        self.sources += piece.sources
        self.served_by = piece.served_by or self.served_by
        self.retired = piece.retired or self.retired


# Told of every turn's ending and how long the turn took (bot/metrics/metrics.py).
TurnEnded = Callable[[Turn, Outcome, float], Awaitable[None]]


class TurnRunner:
    def __init__(
        self,
        *,
        model: ChatModel,
        turns: TurnStorage,
        tally: Tally,
        sender: ReplySender,
        reactions: Reactions,
        prompts: Prompts,
        stream: bool,
        on_ended: TurnEnded | None = None,
    ) -> None:
        self._on_ended = on_ended
        self._stream = stream
        self._model = model
        self._turns = turns
        self._tally = tally
        self._sender = sender
        self._reactions = reactions
        self._prompts = prompts

    async def run(
        self, turn: Turn, context: TurnContext, *, epoch: int, crowded: bool, stop: StopSignal
    ) -> Outcome:
        """Never raises but for cancellation: every ending is logged and told as it should."""
        with in_topic(turn.chat_id, turn.thread_id):  # all it sends goes to the forum topic
            return await self._run(turn, context, epoch=epoch, crowded=crowded, stop=stop)

    async def _run(
        self, turn: Turn, context: TurnContext, *, epoch: int, crowded: bool, stop: StopSignal
    ) -> Outcome:
        preview: Preview | None = None
        commit: Commit | None = None
        started = time.monotonic()
        try:
            prompt = await stop.within(self._prompts.load(turn, context.key))
            if prompt is None:  # /cancel while it was read: a PDF's reading is killed
                outcome = Outcome(Ending.STOPPED_EMPTY)
            elif isinstance(prompt, Outcome):
                outcome = prompt
            else:  # in a group an answer always says which question it answers
                quote = crowded or context.has_company() or not turn.private
                reply_to = turn.message_id if quote else None
                preview = self._preview(turn, reply_to)
                progress = await self._generate(turn, context, prompt, preview, stop)
                outcome, commit = await self._deliver(
                    turn, context, prompt, progress, preview, reply_to
                )
        except ModelError as error:
            outcome = Outcome(Ending.MODEL_FAILED, model_error=error.kind, detail=str(error))
        except StorageUnavailable as error:
            outcome = Outcome(Ending.STORAGE_UNAVAILABLE, detail=str(error))
        except Exception as error:
            outcome = Outcome(Ending.CRASHED, detail=type(error).__name__, error=error)
        outcome = await self._conclude(turn, context, epoch, outcome, commit)
        log_outcome(turn, outcome)
        if self._on_ended is not None:
            await self._on_ended(turn, outcome, time.monotonic() - started)
        notice = notice_for(turn, outcome)
        if notice is not None:
            await self._sender.notify(
                turn.chat_id,
                notice.text,
                reply_to=notice.reply_to,
                preview=preview if notice.replaces_preview else None,
            )
        return outcome

    def _preview(self, turn: Turn, reply_to: int | None) -> Preview | None:
        if not self._stream:
            return None
        return self._sender.preview(
            turn.chat_id, private=turn.private, draft_id=turn.message_id, reply_to=reply_to
        )

    async def _generate(
        self,
        turn: Turn,
        context: TurnContext,
        prompt: Prompt,
        preview: Preview | None,
        stop: StopSignal,
    ) -> _Progress:
        """The answer, streamed into the preview or in one piece, until done or stopped."""
        progress = _Progress()

        async def streamed(request: ModelRequest) -> str:
            assert preview is not None
            async for delta in self._model.stream(request):
                progress.absorb(delta)
                if delta.text:
                    await self._show_reasoning(turn, prompt, progress)  # above the answer
                    progress.text += delta.text
                    await preview.update(progress.text)
            return progress.text

        async def completed(request: ModelRequest) -> str:
            reply = await self._model.complete(request)
            progress.absorb(
                Delta(
                    reasoning=reply.reasoning,
                    sources=reply.sources,
                    served_by=reply.served_by,
                    retired=reply.retired,
                )
            )
            return reply.text

        async def whole() -> None:
            ask = completed if preview is None else streamed
            progress.text = await self._prompts.ask(turn, context.key, prompt, ask)

        shown = preview.visible if preview is not None else None  # no typing over a draft
        async with self._sender.typing(turn.chat_id, until=shown):
            if turn.acknowledged:  # its answer starts: the 👀 of "queued" has done its job
                self._reactions.clear([(turn.chat_id, turn.message_id)])
            progress.stopped = await stop.run(whole())
        return progress

    async def _deliver(
        self,
        turn: Turn,
        context: TurnContext,
        prompt: Prompt,
        progress: _Progress,
        preview: Preview | None,
        reply_to: int | None,
    ) -> tuple[Outcome, Commit | None]:
        """Deliver what was generated; the pair to commit once it was."""
        answer = progress.text
        if not answer.strip():
            ending = Ending.STOPPED_EMPTY if progress.stopped else Ending.EMPTY_ANSWER
            return Outcome(ending), None
        await self._show_reasoning(turn, prompt, progress)
        shown = with_sources(
            answer, texts_for(turn.language_code).sources_heading, progress.sources
        )
        shown = (
            f"{shown}\n\n{texts_for(turn.language_code).stopped_suffix}"
            if progress.stopped
            else shown
        )
        if progress.retired:  # told once: the next turns go to the stand-in at once
            shown += "\n\n" + texts_for(turn.language_code).model_retired(
                progress.retired, progress.served_by
            )
        elif progress.served_by:
            shown += "\n\n" + texts_for(turn.language_code).fallback_note(progress.served_by)
        if context.has_company():  # more came while it was generated: say which this answers
            reply_to = turn.message_id
        delivery = await self._sender.deliver(
            turn.chat_id, shown, reply_to=reply_to, preview=preview
        )
        if delivery is Delivery.BLOCKED:
            return Outcome(Ending.BLOCKED), None
        if delivery is Delivery.FAILED:
            return Outcome(Ending.SEND_FAILED), None
        if progress.retired:
            await self._prompts.forget_model(context.key, progress.retired)
        ending = Ending.STOPPED if progress.stopped else Ending.ANSWERED
        pair = (prompt.question, ChatMessage.assistant(answer, at=time.time()))
        outcome = Outcome(ending, chars=len(answer), history=len(prompt.history))
        return outcome, Commit(prompt.replaced, pair)

    async def _conclude(
        self,
        turn: Turn,
        context: TurnContext,
        epoch: int,
        outcome: Outcome,
        commit: Commit | None,
    ) -> Outcome:
        """The turn's end in one write: the pair, if the dialog is still this one (checked with
        no await before the write), the tokens used, the chat's state, and the turn crossed
        off its inbox; none of it if the chat's lease is another's by now."""
        if commit is not None and not context.is_current(epoch):
            outcome, commit = Outcome(Ending.RESET), None
        tokens = self._tally.take(turn.chat_id, turn.user_id)
        conclusion = Conclusion(
            turn,
            tokens,
            failed=is_failure(outcome),
            commit=commit,
            idle=context.settles(),
            lease=context.lease,
        )
        try:
            await self._turns.conclude(context.key, conclusion)
        except LeaseLost:  # another replica answers the chat now, this turn included
            return Outcome(Ending.LEASE_LOST, detail=outcome.ending.value)
        except StorageUnavailable as error:
            if commit is not None:
                return Outcome(Ending.NOT_SAVED, detail=str(error))
            if context.lease is not None:  # not crossed off: its inbox keeps it for later
                return Outcome(Ending.KEPT, detail=f"{outcome.ending.value}; {error}")
            logger.warning("chat={} turn not counted: {}", turn.chat_id, error)
        return outcome

    async def _show_reasoning(self, turn: Turn, prompt: Prompt, progress: _Progress) -> None:
        """A reasoning model's thinking, collapsed, once, above the answer, if the chat
        asked for it; it is never part of the answer nor of the history."""
        if progress.reasoning_shown or not prompt.settings.reasoning:
            return
        progress.reasoning_shown = True
        if progress.reasoning.strip():
            text, entities = collapsed(
                texts_for(turn.language_code).reasoning_title, progress.reasoning
            )
            await self._sender.post(turn.chat_id, text, entities, None)
