"""Conversations: what handlers ask of the chats' conversations, the same in every placement.

It adds to the placement only what every placement needs around it: a new dialog, a resumed
or a deleted one changes the chat's dialogs only once the old turn can no longer commit,
shutdown tells the users nobody will answer, and each request leaves one log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from loguru import logger

from bot.conversation.placement import Accepted, Placement
from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.core.turn import Turn
from bot.delivery.reactions import Reactions
from bot.delivery.sender import ReplySender
from bot.storage.base import DialogInfo, DialogStore
from bot.texts import texts_for

T = TypeVar("T")


class Conversations:
    def __init__(
        self,
        placement: Placement,
        *,
        dialogs: DialogStore,
        sender: ReplySender,
        reactions: Reactions,
    ) -> None:
        self._reactions = reactions
        self._placement = placement
        self._dialogs = dialogs
        self._sender = sender

    @property
    def placement(self) -> Placement:
        """Where the turns wait and which actor answers them: its start, its actors, their
        inboxes."""
        return self._placement

    async def accept(self, key: ChatKey, turn: Turn) -> Accepted:
        result = await self._placement.accept(key, turn)
        if result is Accepted.QUEUED:
            logger.info("chat={} msg={} queued", key.chat_id, turn.message_id)
        elif result is Accepted.INBOX_FULL:
            logger.warning(
                "chat={} inbox full ({}); msg={} refused",
                key.chat_id,
                self._placement.inbox_size,
                turn.message_id,
            )
        else:
            logger.info("chat={} msg={} not queued: {}", key.chat_id, turn.message_id, result)
        return result

    async def reset(self, key: ChatKey) -> int:
        """A fresh dialog: the reply in progress stops, queued turns go, and the dialog so far
        is kept among the chat's earlier ones (/dialogs)."""
        dropped, _ = await self._switch(key, lambda: self._dialogs.begin(key))
        logger.info("chat={} dialog reset; {} queued turns dropped", key.chat_id, dropped)
        return dropped

    async def resume(self, key: ChatKey, dialog_id: str) -> DialogInfo | None:
        """An earlier dialog becomes the current one, as a new dialog begins."""
        dropped, resumed = await self._switch(key, lambda: self._dialogs.resume(key, dialog_id))
        logger.info(
            "chat={} dialog {} resumed: {}; {} queued turns dropped",
            key.chat_id,
            dialog_id,
            resumed is not None,
            dropped,
        )
        return resumed

    async def delete(self, key: ChatKey, dialog: DialogInfo) -> bool:
        """Forget a dialog; the current one as a new dialog begins."""
        forget = partial(self._dialogs.delete, key, dialog.id)
        if dialog.current:
            _, deleted = await self._switch(key, forget)
        else:
            deleted = await forget()
        logger.info("chat={} dialog {} deleted: {}", key.chat_id, dialog.id, deleted)
        return deleted

    async def _switch(self, key: ChatKey, change: Callable[[], Awaitable[T]]) -> tuple[int, T]:
        """The reply in progress stops and the queued turns go; only then the chat's dialogs
        change (the old turn, wherever it ran, can no longer commit into the one that
        follows). How many turns went, and what the change returned; the chat goes idle
        when its actor finds nothing left (bot/conversation/placement.py)."""
        outcome = await self._interrupt(Action.RESET, key)
        changed = await change()
        return outcome.dropped, changed

    async def cancel(self, key: ChatKey, whose: Whose = EVERYONE) -> Interrupted:
        """/cancel: whether a reply in progress was stopped, and how many queued turns went;
        of the chat's turns, the ones `whose` covers (a group member's: their own)."""
        outcome = await self._interrupt(Action.CANCEL, key, whose)
        logger.info(
            "chat={} cancel{}: stopped={} dropped={}",
            key.chat_id,
            "" if whose.author is None else f" of user={whose.author}",
            outcome.stopped,
            outcome.dropped,
        )
        return outcome

    async def stop_turn(self, key: ChatKey, message_id: int) -> bool:
        outcome = await self._placement.interrupt(Action.STOP, key, message_id)
        logger.info(
            "chat={} stop button for msg={}: stopped={}", key.chat_id, message_id, outcome.stopped
        )
        return outcome.stopped

    async def _interrupt(
        self, action: Action, key: ChatKey, whose: Whose = EVERYONE
    ) -> Interrupted:
        """The dropped messages lose their 👀: they will not be answered."""
        outcome = await self._placement.interrupt(action, key, whose=whose)
        self._reactions.clear((key.chat_id, message) for message in outcome.acknowledged)
        return outcome

    async def shutdown(self, timeout: float) -> None:
        """Refuse new turns, let the queued ones finish within `timeout`, then cancel the rest."""
        unanswered = await self._placement.shutdown(timeout)
        if unanswered:
            logger.warning(
                "shutdown: {} turns left unanswered; telling their users", len(unanswered)
            )
            await self._tell(unanswered)
        await self._reactions.aclose()
        logger.info("shutdown: conversations stopped")

    async def _tell(self, turns: list[Turn]) -> None:
        notices = (
            self._sender.notify(
                t.chat_id, texts_for(t.language_code).shutting_down, reply_to=t.message_id
            )
            for t in turns
        )
        try:
            async with asyncio.timeout(5):
                await asyncio.gather(*notices)
        except TimeoutError:
            logger.warning("shutdown: not every unanswered user could be told in time")
