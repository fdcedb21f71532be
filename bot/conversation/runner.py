"""One turn as three steps, load, generate, conclude, each ending in an `Outcome`.

A user's message in, the model's answer out, the pair committed only after delivery
(docs/architecture.md, "The path of a message"). The load is one read and the turn's end one
write (bot/storage/base.py). What the user reads when a step fails is decided in
bot/conversation/outcomes.py, not here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial

from loguru import logger

from bot.conversation.generation import Generation, Progress
from bot.conversation.outcomes import is_failure, log_outcome, notice_for
from bot.conversation.prompting import Prompt, Prompts
from bot.conversation.scope import CancelScope
from bot.conversation.titles import DialogTitles
from bot.conversation.turn_context import TurnContext
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
from bot.llm.port import ChatModel
from bot.scheduling.quota import Quota, Spending
from bot.storage.base import Commit, Conclusion, LeaseLost, TurnStorage
from bot.texts import texts_for

_COMMITTED = (Ending.ANSWERED, Ending.STOPPED)  # endings whose pair the history kept

# Told of every turn's ending and how long the turn took (bot/metrics/metrics.py).
TurnEnded = Callable[[Turn, Outcome, float], Awaitable[None]]


class TurnRunner:
    def __init__(
        self,
        *,
        model: ChatModel,
        turns: TurnStorage,
        quota: Quota,
        sender: ReplySender,
        reactions: Reactions,
        prompts: Prompts,
        stream: bool,
        on_ended: TurnEnded | None = None,
        titles: DialogTitles | None = None,
    ) -> None:
        self._on_ended = on_ended
        self._titles = titles
        self._stream = stream
        self._model = model
        self._turns = turns
        self._quota = quota
        self._sender = sender
        self._reactions = reactions
        self._prompts = prompts

    async def run(
        self, turn: Turn, context: TurnContext, *, epoch: int, crowded: bool, stop: CancelScope
    ) -> Outcome:
        """Never raises but for cancellation: every ending is logged and told as it should."""
        spent = Spending()
        with in_topic(turn.chat_id, turn.thread_id):  # all it sends goes to the forum topic
            try:
                return await self._run(turn, context, epoch, crowded, stop, spent)
            except asyncio.CancelledError:  # a reset: the turn's end is never written
                await self._quota.settle(turn.chat_id, turn.user_id, spent)
                raise

    async def _run(
        self,
        turn: Turn,
        context: TurnContext,
        epoch: int,
        crowded: bool,
        stop: CancelScope,
        spent: Spending,
    ) -> Outcome:
        preview: Preview | None = None
        commit: Commit | None = None
        prompt: Prompt | Outcome | None = None
        started = time.monotonic()
        try:
            if turn.media:  # over the quota, a media turn costs no download and no Whisper
                await self._quota.check(turn.user_id)
            with stop:  # /cancel or the stop button end the reading too: a PDF's is killed
                prompt = await self._prompts.load(turn, context.key, spent)
            if prompt is None:  # stopped while it was read
                outcome = Outcome(Ending.STOPPED_EMPTY)
            elif isinstance(prompt, Outcome):
                outcome = prompt
            else:  # in a group an answer always says which question it answers
                quote = crowded or context.others_waiting() or not turn.private
                reply_to = turn.message_id if quote else None
                preview = self._preview(turn, reply_to)
                progress = await self._generate(turn, context, prompt, preview, stop, spent)
                outcome, commit = await self._deliver(
                    turn, context, prompt, progress, preview, reply_to
                )
        except ModelError as error:
            outcome = Outcome(Ending.MODEL_FAILED, model_error=error.kind, detail=str(error))
        except StorageUnavailable as error:
            outcome = Outcome(Ending.STORAGE_UNAVAILABLE, detail=str(error))
        except Exception as error:
            outcome = Outcome(Ending.CRASHED, detail=type(error).__name__, error=error)
        outcome = await self._conclude(turn, context, epoch, outcome, commit, spent)
        if commit is not None and commit.opens and outcome.ending in _COMMITTED:
            assert isinstance(prompt, Prompt)
            self._title(turn, context.key, commit, prompt.settings.model or None)
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
        stop: CancelScope,
        spent: Spending,
    ) -> Progress:
        """The answer, streamed into the preview or in one piece, until done or stopped."""

        async def before_text() -> None:  # a reasoning model's thinking goes above the answer
            await self._show_reasoning(turn, prompt, generation.progress)

        generation = Generation(self._model, self._quota, turn, spent, before_text=before_text)
        progress = generation.progress
        ask = (
            generation.completed
            if preview is None
            else partial(generation.streamed, preview=preview)
        )

        async def whole() -> None:
            progress.text = await self._prompts.ask(turn, context.key, prompt, ask)

        shown = preview.visible if preview is not None else None  # no typing over a draft
        async with self._sender.typing(turn.chat_id, until=shown):
            if turn.acknowledged:  # its answer starts: the 👀 of "queued" has done its job
                self._reactions.clear([(turn.chat_id, turn.message_id)])
            with stop:  # the stop ends the generation, not the turn: what came is delivered
                await whole()
            progress.stopped = stop.cancelled_caught
        return progress

    async def _deliver(
        self,
        turn: Turn,
        context: TurnContext,
        prompt: Prompt,
        progress: Progress,
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
        if context.others_waiting():  # more came while it was generated: say which this answers
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
        opens = "" if prompt.history or prompt.replaced else str(turn.message_id)
        return outcome, Commit(prompt.replaced, pair, opens=opens)

    def _title(self, turn: Turn, key: ChatKey, commit: Commit, model: str | None) -> None:
        """A dialog's first answer is in: its title is asked for in the background."""
        if self._titles is None:
            return
        question, answer = commit.messages
        self._titles.after_first_answer(
            key,
            commit.opens,
            user_id=turn.user_id,
            question=question,
            answer=answer.content,
            model=model,
        )

    async def _conclude(
        self,
        turn: Turn,
        context: TurnContext,
        epoch: int,
        outcome: Outcome,
        commit: Commit | None,
        spent: Spending,
    ) -> Outcome:
        """The turn's end in one write: the pair, if the dialog is still this one (checked with
        no await before the write), the tokens used in place of those reserved, and the turn
        crossed off its inbox; none of it if the chat's lease is another's
        by now (then only the tokens are counted)."""
        if commit is not None and not context.is_current(epoch):
            outcome, commit = Outcome(Ending.RESET), None
        conclusion = Conclusion(
            turn,
            self._quota.total(spent),
            failed=is_failure(outcome),
            reserved=tuple(spent.reserved),
            commit=commit,
            lease=context.lease,
        )
        try:
            await self._turns.conclude(context.key, conclusion)
        except LeaseLost:  # another replica answers the chat now, this turn included
            await self._quota.settle(turn.chat_id, turn.user_id, spent)
            return Outcome(Ending.LEASE_LOST, detail=outcome.ending.value)
        except StorageUnavailable as error:
            if commit is not None:
                return Outcome(Ending.NOT_SAVED, detail=str(error))
            if context.lease is not None:  # not crossed off: its inbox keeps it for later
                return Outcome(Ending.KEPT, detail=f"{outcome.ending.value}; {error}")
            logger.warning("chat={} turn not counted: {}", turn.chat_id, error)
        finally:
            spent.settled()  # written, or given up: a reset now has nothing left to count
        return outcome

    async def _show_reasoning(self, turn: Turn, prompt: Prompt, progress: Progress) -> None:
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
