"""One turn of a conversation: a user's message in, the model's reply out, history committed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from loguru import logger

from bot.delivery.sender import Delivery, ReplySender
from bot.delivery.streaming import Preview
from bot.dialog.messages import ChatMessage, Role
from bot.dialog.store import DialogKey, DialogStore, StorageUnavailable
from bot.dialog.trimming import Budget, min_tokens_for, trim_history
from bot.llm.errors import ModelError, ModelErrorKind
from bot.llm.port import ChatModel
from bot.texts import Texts, texts_for


@dataclass(frozen=True, slots=True)
class Turn:
    """What a handler hands to a conversation: nothing aiogram-specific survives past here."""

    chat_id: int
    user_id: int
    message_id: int
    text: str
    language_code: str | None = None
    private: bool = True  # drafts stream only in private chats; groups stream by edits
    retry: bool = False  # /retry: answer the last question again, replacing the last answer

    @property
    def texts(self) -> Texts:
        return texts_for(self.language_code)


class TurnContext(Protocol):
    """What a running turn may ask of the conversation that runs it."""

    @property
    def key(self) -> DialogKey: ...

    def is_current(self, epoch: int) -> bool:
        """False once the dialog was reset after the turn began: its result must not land."""
        ...

    def has_company(self) -> bool:
        """True when other messages of this chat are waiting: replies then quote their message."""
        ...


def error_text(texts: Texts, kind: ModelErrorKind) -> str:
    return {
        ModelErrorKind.TIMEOUT: texts.model_timeout,
        ModelErrorKind.RATE_LIMITED: texts.model_rate_limited,
        ModelErrorKind.UNAVAILABLE: texts.model_unavailable,
        ModelErrorKind.REJECTED: texts.model_rejected,
        ModelErrorKind.CONTEXT_TOO_LONG: texts.model_context_too_long,
        ModelErrorKind.BAD_CREDENTIALS: texts.model_bad_credentials,
    }[kind]


class TurnRunner:
    """The steps of DESIGN.md "How a message travels", item 5, for one turn."""

    def __init__(
        self,
        *,
        model: ChatModel,
        store: DialogStore,
        sender: ReplySender,
        system_prompt: ChatMessage,
        budget: Budget,
        stream: bool,
    ) -> None:
        self._stream = stream
        self._model = model
        self._store = store
        self._sender = sender
        self._system = system_prompt
        self._budget = budget

    async def run(
        self,
        turn: Turn,
        context: TurnContext,
        *,
        epoch: int,
        crowded: bool,
        stop: StopSignal,
    ) -> None:
        """Never raises but for cancellation: every failure ends in a message to the user."""
        started = time.monotonic()
        try:
            await self._answer(turn, context, epoch=epoch, crowded=crowded, stop=stop)
        except StorageUnavailable as error:
            logger.error(
                "chat={} turn msg={}: storage unavailable: {}",
                turn.chat_id,
                turn.message_id,
                error,
            )
            await self._sender.notify(
                turn.chat_id, turn.texts.storage_unavailable, reply_to=turn.message_id
            )
        except Exception:
            logger.exception("chat={} turn msg={} crashed", turn.chat_id, turn.message_id)
            await self._sender.notify(
                turn.chat_id, turn.texts.internal_error, reply_to=turn.message_id
            )
        logger.debug(
            "chat={} turn msg={} took {:.3f}s",
            turn.chat_id,
            turn.message_id,
            time.monotonic() - started,
        )

    async def _answer(
        self, turn: Turn, context: TurnContext, *, epoch: int, crowded: bool, stop: StopSignal
    ) -> None:
        history = await self._store.load(context.key)
        replaced = 0
        if turn.retry:
            if len(history) < 2 or history[-1].role is not Role.ASSISTANT:
                await self._sender.notify(turn.chat_id, turn.texts.retry_nothing)
                return
            question, history, replaced = history[-2], history[:-2], 2
        else:
            question = ChatMessage.user(turn.text)
        dialog = [*history, question]
        reply_to = turn.message_id if crowded or context.has_company() else None
        preview = (
            self._sender.preview(
                turn.chat_id, private=turn.private, draft_id=turn.message_id, reply_to=reply_to
            )
            if self._stream
            else None
        )
        progress = _Progress()
        try:
            async with self._sender.typing(turn.chat_id):
                stopped = await stop.run(self._generate(turn, dialog, preview, progress))
        except ModelError as error:
            logger.warning(
                "chat={} model failed for msg={}: {}", turn.chat_id, turn.message_id, error
            )
            await self._sender.notify(
                turn.chat_id,
                error_text(turn.texts, error.kind),
                reply_to=turn.message_id,
                preview=preview,
            )
            return
        answer = progress.text
        shown = answer
        if stopped:
            logger.info("chat={} msg={} stopped by the user", turn.chat_id, turn.message_id)
            if not answer.strip():
                await self._sender.notify(
                    turn.chat_id, turn.texts.stopped, reply_to=turn.message_id
                )
                return
            shown = f"{answer}\n\n{turn.texts.stopped_suffix}"
        elif not answer.strip():
            logger.warning(
                "chat={} model gave an empty answer to msg={}", turn.chat_id, turn.message_id
            )
            await self._sender.notify(
                turn.chat_id, turn.texts.empty_reply, reply_to=turn.message_id
            )
            return
        if context.has_company():
            reply_to = turn.message_id
        outcome = await self._sender.deliver(
            turn.chat_id, shown, reply_to=reply_to, preview=preview
        )
        if outcome is Delivery.FAILED:
            await self._sender.notify(
                turn.chat_id, turn.texts.send_failed, reply_to=turn.message_id
            )
        if outcome is not Delivery.DELIVERED:
            logger.info("chat={} msg={} not committed: {}", turn.chat_id, turn.message_id, outcome)
            return
        if not context.is_current(epoch):
            logger.info(
                "chat={} msg={} answered after a reset; not committed",
                turn.chat_id,
                turn.message_id,
            )
            return
        try:
            await self._store.replace_last(
                context.key, replaced, [question, ChatMessage.assistant(answer)]
            )
        except StorageUnavailable as error:  # the user has the answer; only memory is lost
            logger.error(
                "chat={} msg={} answered, not saved: {}", turn.chat_id, turn.message_id, error
            )
            return
        logger.info(
            "chat={} msg={} answered ({} chars{}, history {} msgs before)",
            turn.chat_id,
            turn.message_id,
            len(answer),
            ", stopped" if stopped else "",
            len(dialog) - 1,
        )

    async def _generate(
        self,
        turn: Turn,
        dialog: list[ChatMessage],
        preview: Preview | None,
        progress: _Progress,
    ) -> None:
        """The answer into `progress`: streamed into the preview, or in one piece."""
        if preview is None:
            progress.text = await self._with_smaller_context_on_refusal(
                turn, dialog, self._model.complete
            )
            return

        async def streamed(prompt: list[ChatMessage]) -> str:
            async for delta in self._model.stream(prompt):
                progress.text += delta
                await preview.update(progress.text)
            return progress.text

        await self._with_smaller_context_on_refusal(turn, dialog, streamed)

    async def _with_smaller_context_on_refusal(
        self,
        turn: Turn,
        dialog: list[ChatMessage],
        ask: Callable[[list[ChatMessage]], Awaitable[str]],
    ) -> str:
        """One model call; a context-too-long refusal is retried once with half the budget."""
        try:
            return await ask(trim_history(self._system, dialog, self._budget))
        except ModelError as error:
            if error.kind is not ModelErrorKind.CONTEXT_TOO_LONG:
                raise
        smaller = Budget(
            max(self._budget.max_tokens // 2, min_tokens_for(self._system)),
            self._budget.max_messages,
        )
        logger.warning(
            "chat={} context too long at {} tokens; retrying with {}",
            turn.chat_id,
            self._budget.max_tokens,
            smaller.max_tokens,
        )
        return await ask(trim_history(self._system, dialog, smaller))


@dataclass(slots=True)
class _Progress:
    """The answer so far, kept outside the generating task so a stop can still deliver it."""

    text: str = ""


class StopSignal:
    """/cancel or the stop button for one turn: cancels the generation, not the delivery."""

    def __init__(self) -> None:
        self.requested = False
        self._generating: asyncio.Future[None] | None = None

    def request(self) -> bool:
        """True when this stops something that was still running."""
        if self.requested:
            return False
        self.requested = True
        if self._generating is not None:
            self._generating.cancel()
        return True

    async def run(self, generating: Awaitable[None]) -> bool:
        """Wait for the answer; True when the user stopped it first."""
        self._generating = asyncio.ensure_future(generating)
        if self.requested:
            self._generating.cancel()
        try:
            await self._generating
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self.requested or (task is not None and task.cancelling()):
                raise  # the turn itself is being cancelled (a reset, the shutdown)
            return True
        finally:
            self._generating.cancel()  # a no-op once done; stops it when we are cancelled
        return False
