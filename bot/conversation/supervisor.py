"""Conversations: finds or starts a chat's actor, and stops them all on shutdown."""

from __future__ import annotations

import asyncio
from enum import StrEnum

from aiogram.fsm.storage.base import BaseStorage
from loguru import logger

from bot.conversation.actor import Conversation, conversation_state
from bot.conversation.journal import TurnJournal
from bot.conversation.turn import Turn, TurnRunner
from bot.delivery.sender import ReplySender
from bot.dialog.store import DialogKey, DialogStore, StorageUnavailable
from states import ConversationStates


class Submitted(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # Telegram delivered this message before
    INBOX_FULL = "inbox_full"
    CLOSING = "closing"


class Conversations:
    """The supervisor; `submit` never suspends, which is what keeps a chat's turns in order."""

    def __init__(
        self,
        *,
        runner: TurnRunner,
        store: DialogStore,
        sender: ReplySender,
        fsm_storage: BaseStorage,
        journal: TurnJournal,
        inbox_size: int,
        idle_timeout: float,
    ) -> None:
        self._journal = journal
        self._runner = runner
        self._store = store
        self._sender = sender
        self._fsm_storage = fsm_storage
        self._inbox_size = inbox_size
        self._idle_timeout = idle_timeout
        self._actors: dict[DialogKey, Conversation] = {}
        self._closing = False

    @property
    def inbox_size(self) -> int:
        return self._inbox_size

    def __len__(self) -> int:
        """Live actors (chats with an actor task right now)."""
        return len(self._actors)

    def pending(self, key: DialogKey) -> int:
        actor = self._actors.get(key)
        return actor.pending if actor is not None else 0

    async def accept(self, key: DialogKey, turn: Turn) -> Submitted:
        """A new message: written to the durable inbox (once), then queued."""
        if self._closing:
            return Submitted.CLOSING
        if not await self._journal.record(key, turn):
            logger.info("chat={} msg={} delivered again; ignored", key.chat_id, turn.message_id)
            return Submitted.DUPLICATE
        result = self.submit(key, turn)
        if result is not Submitted.QUEUED:
            await self._journal.done(key, [turn])
        return result

    async def recover(self) -> int:
        """Queue the turns a previous run accepted and never finished, in their order."""
        pending = await self._journal.pending()
        for key, turn in pending:
            self.submit(key, turn)
        if pending:
            logger.info("recovered {} unanswered turns from the durable inbox", len(pending))
        return len(pending)

    def submit(self, key: DialogKey, turn: Turn) -> Submitted:
        """Queue without suspending: the order of calls is the order of answers."""
        if self._closing:
            return Submitted.CLOSING
        actor = self._actors.get(key)
        if actor is None or not actor.alive:
            actor = Conversation(
                key,
                runner=self._runner,
                fsm_storage=self._fsm_storage,
                inbox_size=self._inbox_size,
                idle_timeout=self._idle_timeout,
                on_stop=self._forget,
                on_turn_over=self._turn_over,
            )
            self._actors[key] = actor
        if not actor.offer(turn):
            logger.warning(
                "chat={} inbox full ({}); msg={} refused",
                key.chat_id,
                self._inbox_size,
                turn.message_id,
            )
            return Submitted.INBOX_FULL
        logger.info(
            "chat={} msg={} queued ({} pending)", key.chat_id, turn.message_id, actor.pending
        )
        return Submitted.QUEUED

    async def reset(self, key: DialogKey) -> int:
        """A fresh dialog: the reply in progress stops, queued turns go, history is cleared."""
        actor = self._actors.get(key)
        dropped = actor.reset() if actor is not None else []
        await self._journal.done(key, dropped)
        await self._store.clear(key)
        await conversation_state(self._fsm_storage, key).set_state(ConversationStates.idle)
        logger.info("chat={} dialog reset; {} queued turns dropped", key.chat_id, len(dropped))
        return len(dropped)

    async def cancel(self, key: DialogKey) -> tuple[bool, int]:
        """/cancel: whether a reply in progress was stopped, and how many queued turns went."""
        actor = self._actors.get(key)
        if actor is None:
            return False, 0
        stopped, dropped = actor.cancel()
        await self._journal.done(key, dropped)
        logger.info("chat={} cancel: stopped={} dropped={}", key.chat_id, stopped, len(dropped))
        return stopped, len(dropped)

    def stop_turn(self, key: DialogKey, message_id: int) -> bool:
        actor = self._actors.get(key)
        stopped = actor is not None and actor.stop_turn(message_id)
        logger.info("chat={} stop button for msg={}: stopped={}", key.chat_id, message_id, stopped)
        return stopped

    async def shutdown(self, timeout: float) -> None:
        """Refuse new turns, let the queued ones finish within `timeout`, then cancel the rest."""
        self._closing = True
        actors = list(self._actors.values())
        for actor in actors:
            actor.close()
        tasks = [actor.task for actor in actors]
        if not tasks:
            return
        logger.info("shutdown: waiting up to {}s for {} conversations", timeout, len(tasks))
        _, late = await asyncio.wait(tasks, timeout=timeout)
        unanswered = [turn for actor in actors if actor.task in late for turn in actor.abandon()]
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        if unanswered and self._journal.durable:
            logger.warning(
                "shutdown: {} turns will be answered after the restart", len(unanswered)
            )
        elif unanswered:
            logger.warning(
                "shutdown: {} turns left unanswered; telling their users", len(unanswered)
            )
            await self._tell_unanswered(unanswered)
        logger.info("shutdown: conversations stopped")

    async def _tell_unanswered(self, turns: list[Turn]) -> None:
        notices = (
            self._sender.notify(t.chat_id, t.texts.shutting_down, reply_to=t.message_id)
            for t in turns
        )
        try:
            async with asyncio.timeout(5):
                await asyncio.gather(*notices)
        except TimeoutError:
            logger.warning("shutdown: not every unanswered user could be told in time")

    async def _turn_over(self, key: DialogKey, turn: Turn) -> None:
        try:
            await self._journal.done(key, [turn])
        except StorageUnavailable as error:  # it may be answered again after a restart
            logger.error(
                "chat={} msg={} not crossed off the inbox: {}", key.chat_id, turn.message_id, error
            )

    def _forget(self, actor: Conversation) -> None:
        if self._actors.get(actor.key) is actor:
            del self._actors[actor.key]
